import Foundation

// The `estimate psm | twfe | psm-did | cs-did --json` reports (keys documented in
// docs/cli-json.md). Property names are the JSON keys; every number follows the
// one NaN policy of `FiniteOrNull`.

public struct BalanceRowJSON: Encodable, Sendable {
    public let variable: String
    @FiniteOrNull public var smd_before: Double
    @FiniteOrNull public var smd_after: Double
    @FiniteOrNull public var var_ratio_before: Double
    @FiniteOrNull public var var_ratio_after: Double
    @FiniteOrNull public var ecdf_max_before: Double
    @FiniteOrNull public var ecdf_max_after: Double
    @FiniteOrNull public var mean_treated_before: Double
    @FiniteOrNull public var mean_control_before: Double
    @FiniteOrNull public var mean_treated_after: Double
    @FiniteOrNull public var mean_control_after: Double

    init(_ r: BalanceRow) {
        variable = r.variable
        smd_before = r.smdBefore
        smd_after = r.smdAfter
        var_ratio_before = r.varianceRatioBefore
        var_ratio_after = r.varianceRatioAfter
        ecdf_max_before = r.ecdfMaxBefore
        ecdf_max_after = r.ecdfMaxAfter
        mean_treated_before = r.meanTreatedBefore
        mean_control_before = r.meanControlBefore
        mean_treated_after = r.meanTreatedAfter
        mean_control_after = r.meanControlAfter
    }
}

/// MatchIt's sample sizes: `{all, matched, unmatched, discarded}`, each `{control, treated}`.
public struct CountsJSON: Encodable, Sendable {
    public struct Pair: Encodable, Sendable { public let control, treated: Int }
    public let all, matched, unmatched, discarded: Pair

    init(_ c: MatchCounts) {
        all = Pair(control: c.allControl, treated: c.allTreated)
        matched = Pair(control: c.matchedControl, treated: c.matchedTreated)
        unmatched = Pair(control: c.unmatchedControl, treated: c.unmatchedTreated)
        discarded = Pair(control: c.discardedControl, treated: c.discardedTreated)
    }
}

/// `{att, se, ci_lower, ci_upper}`, with `group` or `event_time` where it is one of a list.
public struct AggregateJSON: Encodable, Sendable {
    @FiniteOrNull public var att: Double
    @FiniteOrNull public var se: Double
    @FiniteOrNull public var ci_lower: Double
    @FiniteOrNull public var ci_upper: Double
    public let group: Double?
    public let event_time: Double?

    init(_ a: AggregateATT, group: Bool = false, eventTime: Bool = false) {
        att = a.att
        se = a.standardError
        ci_lower = a.ciLower
        ci_upper = a.ciUpper
        self.group = group ? a.label : nil
        event_time = eventTime ? a.label : nil
    }
}

/// `estimate psm --json`.
public struct PSMReportJSON: Encodable, Sendable {
    public struct Propensity: Encodable, Sendable {
        public let link: String
        public let converged: Bool
        public let iterations: Int
        @FiniteOrNull public var log_likelihood: Double
        public let coefficients: [NamedEstimateJSON]
    }
    public let command = "psm"
    public let n: Int
    public let counts: CountsJSON
    public let balance: [BalanceRowJSON]
    @NullWhenAbsent public var caliper: Double?
    public let smd_denominator = "treated"
    public let propensity: Propensity?
    public let weights_file: String?

    public init(units: Int, matching r: MatchingResult, balance: [BalanceRow], weightsFile: String?) {
        n = units
        counts = CountsJSON(r.counts)
        self.balance = balance.map(BalanceRowJSON.init)
        caliper = r.caliperWidth
        propensity = r.propensity.map { m in
            Propensity(link: m.link.rawValue, converged: m.converged, iterations: m.iterations, log_likelihood: m.logLikelihood,
                       coefficients: m.names.indices.map {
                           NamedEstimateJSON(name: m.names[$0], estimate: m.coefficients[$0], se: m.covariance[$0, $0].squareRoot())
                       })
        }
        weights_file = weightsFile
    }
}

/// `estimate twfe --json`.
public struct TWFEReportJSON: Encodable, Sendable {
    public struct Coefficient: Encodable, Sendable {
        public let name: String
        @FiniteOrNull public var estimate: Double
        @FiniteOrNull public var se: Double
        @FiniteOrNull public var t: Double
        @FiniteOrNull public var p: Double
        @FiniteOrNull public var ci_lower: Double
        @FiniteOrNull public var ci_upper: Double
        /// Degrees of freedom of this coefficient's t test and interval (`df` above, except with CR2:
        /// its Satterthwaite value).
        @FiniteOrNull public var df: Double
    }
    public struct Bootstrap: Encodable, Sendable {
        public let coefficient: String
        @FiniteOrNull public var t: Double
        @FiniteOrNull public var p: Double
        /// The 95% bootstrap interval by test inversion (null when unbounded).
        @FiniteOrNull public var ci_lower: Double
        @FiniteOrNull public var ci_upper: Double
        public let replications: Int
        public let weights: String
        /// `cluster` (one multiplier per cluster) or `unit` (per unit within the clusters: the subcluster bootstrap).
        public let multipliers_by: String
    }
    public let command = "twfe"
    public let effects: String
    public let n_obs: Int
    public let vcov: String
    @FiniteOrNull public var df: Double
    public let k_small_sample: Int
    @NullWhenAbsent public var n_clusters: Int?
    public let coefficients: [Coefficient]
    public let wild_bootstrap: Bootstrap?
    @NullWhenAbsent public var conley: ConleyJSON?

    public init(_ fit: PanelOLSResult, effects: FixedEffects, clustered: Bool, bootstrap: WildBootstrapResult?, level: Double = 0.95,
                conley: ConleySpec? = nil, correction: ClusterCorrection = .cr1, multipliersByUnit: Bool = false) {
        self.effects = effects.rawValue
        n_obs = fit.observations
        vcov = conley != nil ? "conley" : clustered ? correction.rawValue.uppercased() : "iid"
        self.conley = conley.map(ConleyJSON.init)
        df = fit.tDegreesOfFreedom
        k_small_sample = fit.parameterCount
        n_clusters = fit.clusters
        coefficients = fit.names.indices.map { j in
            let ci = fit.confidenceInterval(j, level: level)
            return Coefficient(name: fit.names[j], estimate: fit.coefficients[j], se: fit.standardErrors[j], t: fit.tStatistics[j],
                               p: fit.pValues[j], ci_lower: ci.lower, ci_upper: ci.upper, df: fit.coefficientDegreesOfFreedom[j])
        }
        wild_bootstrap = bootstrap.map {
            Bootstrap(coefficient: $0.coefficient, t: $0.tStatistic, p: $0.pValue, ci_lower: $0.interval.lower, ci_upper: $0.interval.upper,
                      replications: $0.replications, weights: $0.weights.rawValue, multipliers_by: multipliersByUnit ? "unit" : "cluster")
        }
    }
}

/// An event study: leads and lags relative to period −1, and the joint pre-trend test.
public struct EventStudyJSON: Encodable, Sendable {
    public struct Coefficient: Encodable, Sendable {
        public let event_time: Int
        @FiniteOrNull public var estimate: Double
        @FiniteOrNull public var se: Double
        @FiniteOrNull public var ci_lower: Double
        @FiniteOrNull public var ci_upper: Double
        /// Treated rows at this event time (after binning).
        public let observations: Int
    }
    public struct PreTrend: Encodable, Sendable {
        @FiniteOrNull public var f: Double
        public let df1: Int
        @FiniteOrNull public var df2: Double
        @FiniteOrNull public var p: Double
    }
    public let coefficients: [Coefficient]
    public let reference = -1
    /// Rows of the regression and units with at least one (every observed unit-period on a panel with gaps).
    public let observations: Int
    public let units: Int
    @NullWhenAbsent public var pretrend: PreTrend?
    @NullWhenAbsent public var pretrend_note: String?

    public init(_ es: EventStudyResult) {
        coefficients = es.eventTimes.indices.map { k in
            Coefficient(event_time: es.eventTimes[k], estimate: es.estimates[k], se: es.standardErrors[k],
                        ci_lower: es.ciLower[k], ci_upper: es.ciUpper[k], observations: es.observationsPerEventTime[k])
        }
        observations = es.fit.observations
        units = es.units
        pretrend = es.preTrendUnavailable == nil ? PreTrend(f: es.preTrendF, df1: es.preTrendDF.0, df2: es.preTrendDF.1, p: es.preTrendP) : nil
        pretrend_note = es.preTrendUnavailable
    }
}

/// `estimate psm-did --json`.
public struct PSMDiDReportJSON: Encodable, Sendable {
    public struct Matched: Encodable, Sendable { public let treated, control: Int }
    public struct Bootstrap: Encodable, Sendable {
        @FiniteOrNull public var p: Double
        /// The bootstrap confidence interval of the ATT at the run's level (test inversion; null when unbounded).
        @FiniteOrNull public var ci_lower: Double
        @FiniteOrNull public var ci_upper: Double
        public let replications: Int
        public let weights: String
    }
    public let command = "psm-did"
    @FiniteOrNull public var att: Double
    @FiniteOrNull public var se: Double
    @FiniteOrNull public var ci_lower: Double
    @FiniteOrNull public var ci_upper: Double
    @FiniteOrNull public var p: Double
    @FiniteOrNull public var df: Double
    public let n_obs: Int
    public let n_clusters: Int
    public let matching: String
    public let matched: Matched
    public let coefficients: [NamedEstimateJSON]
    public let balance: [BalanceRowJSON]
    public let warnings: [String]
    public let counts: CountsJSON?
    public let event_study: EventStudyJSON?
    public let wild_bootstrap: Bootstrap?
    public let vcov: String
    @NullWhenAbsent public var conley: ConleyJSON?

    public init(_ r: PSMDiDResult, spec: PSMDiDSpec) {
        vcov = spec.conley == nil ? spec.clusterCorrection.rawValue.uppercased() : "conley"
        conley = spec.conley.map(ConleyJSON.init)
        att = r.att
        se = r.standardError
        ci_lower = r.ciLower
        ci_upper = r.ciUpper
        p = r.pValue
        df = r.degreesOfFreedom
        n_obs = r.observations
        n_clusters = r.clusters
        matching = spec.matching == nil ? "none" : spec.mode.rawValue
        matched = Matched(treated: r.matchedTreated, control: r.matchedControl)
        coefficients = [NamedEstimateJSON(name: "D", estimate: r.att, se: r.standardError)]
        balance = r.balance.map(BalanceRowJSON.init)
        warnings = r.warnings
        counts = r.counts.map(CountsJSON.init)
        event_study = r.eventStudy.map(EventStudyJSON.init)
        wild_bootstrap = zip(r.bootstrapPValue, spec.wildBootstrap).map {
            Bootstrap(p: $0, ci_lower: r.bootstrapInterval?.lower ?? .nan, ci_upper: r.bootstrapInterval?.upper ?? .nan,
                      replications: $1.replications, weights: $1.weights.rawValue)
        }
    }
}

/// The settings of a Conley variance: `{kernel, cutoff_km, lag, serial_kernel, small_sample, pairs}` (pairs =
/// ordered pairs of locations within the cutoff).
public struct ConleyJSON: Encodable, Sendable {
    public let kernel: String
    public let cutoff_km: Double
    public let lag: Int
    public let serial_kernel: String
    public let small_sample: String
    public let pairs: Int

    public init(_ s: ConleySpec) {
        kernel = s.kernel.rawValue
        cutoff_km = s.cutoffKm
        lag = s.lag
        serial_kernel = s.serialKernel.rawValue
        small_sample = s.smallSample.rawValue
        pairs = s.neighbours.distance.filter { $0 <= s.cutoffKm }.count
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

/// `estimate cs-did --json`.
public struct CSDiDReportJSON: Encodable, Sendable {
    public struct Cell: Encodable, Sendable {
        public let group, time: Double
        @FiniteOrNull public var att: Double
        @FiniteOrNull public var se: Double
        public let n_treated, n_control: Int
    }
    public struct GroupTime: Encodable, Sendable { public let group, time: Double }
    public let command = "cs-did"
    public let control, method, base_period: String
    public let cells: [Cell]
    public let simple: AggregateJSON
    public let group: [AggregateJSON]
    public let group_overall: AggregateJSON
    public let event: [AggregateJSON]
    public let event_overall: AggregateJSON
    public let coefficients: [NamedEstimateJSON]
    public let skipped_cells: [GroupTime]

    public init(_ r: CSDiDResult, spec: CSDiDSpec) {
        control = spec.control.rawValue
        method = spec.method.rawValue
        base_period = spec.basePeriod.rawValue
        cells = r.cells.map { Cell(group: $0.group, time: $0.time, att: $0.att, se: $0.standardError,
                                   n_treated: $0.treatedUnits, n_control: $0.controlUnits) }
        simple = AggregateJSON(r.simple)
        group = r.group.map { AggregateJSON($0, group: true) }
        group_overall = AggregateJSON(r.groupOverall)
        event = r.event.map { AggregateJSON($0, eventTime: true) }
        event_overall = AggregateJSON(r.eventOverall)
        coefficients = [NamedEstimateJSON(name: "ATT(simple)", estimate: r.simple.att, se: r.simple.standardError)]
        skipped_cells = r.skippedCells.map { GroupTime(group: $0.group, time: $0.time) }
    }
}
