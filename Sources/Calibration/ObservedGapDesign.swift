import CitySystem
import Estimators
import Foundation
import Numerics

/// An observed design on a panel with missing city-years (issue 24, docs/unbalanced.md
/// "Calibrating a panel with gaps"): the world keeps the data's pattern. Each replication
/// regenerates the outcome on exactly the city-years the data observe — a unit-period without a
/// row, or with an empty model cell, is missing in every generated panel too — by the model of
/// the unbalanced estimator, period by period on the cities present S_t:
///
///   y_t = (I − ρW_t)⁻¹ (X_t β + W_t X_t θ + μ + α_t 1 + ε_t),
///
/// W_t = W restricted to S_t and re-standardised (`PeriodWeights`, as the data's fit). μ, α are
/// recovered as in `ObservedDesign`, with the exact fixed-effect projection of the unbalanced panel
/// (M_D, `FixedEffectProjection`) in place of the within transform: r = y − ρ̂W_t y − Xβ̂ − W_tXθ̂,
/// ε = M_D r, μ + α = r − M_D r, so with ε = M_D r and the calibrated values the data come back.
/// The truth averages the effect multipliers over the observed city-years (`PeriodEffectKernel`).
public struct ObservedGapDesign: Sendable {
    public let spec: ObservedDesignSpec
    public let source: String
    public let dataset: UnbalancedDataset
    public let fixedEffects: [Double]
    public let residuals: [Double]
    public let scaledResiduals: [Double]
    public let truth: ObservedTruth
    public let dependence: ResidualDependence
    let systematic: [Double]
    /// One filter (I − ρW_S)⁻¹ per distinct city set (`dataset.weights.sets`).
    let filters: [SpatialFilter]

    public var panel: UnbalancedPanel { dataset.panel }
    public var names: [String] { dataset.panel.names }

    public init(spec: ObservedDesignSpec, source: String, dataset: UnbalancedDataset) throws {
        self.spec = spec
        self.source = source
        self.dataset = dataset
        let p = dataset.panel, w = dataset.weights
        guard p.names == spec.fit.beta.map(\.name) else {
            throw CalibrationError.regressorMismatch(scenario: source, expected: spec.fit.beta.map(\.name), found: p.names)
        }
        if let refusal = Self.unsupported(spec.errors) {
            throw CalibrationError.errorLawNeedsBalancedPanel(scenario: source, law: spec.errors.rawValue, reason: refusal)
        }
        let wx = w.lag(p.x)
        func linear(_ q: ObservedDesignSpec.Parameters) -> [Double] {
            var out = p.x.multiply(q.beta.map(\.value))
            let lagged = wx.multiply(q.theta.map(\.value))
            for k in out.indices { out[k] += lagged[k] }
            return out
        }
        let effects = FixedEffects(rawValue: spec.effects) ?? .twoWays
        let wy = w.lag(p.y)
        let fitted = linear(spec.fit)
        let r = (0..<p.y.count).map { p.y[$0] - spec.fit.rho * wy[$0] - fitted[$0] }
        let e: [Double]
        if effects == .none {
            let m = Statistics.mean(r)
            e = r.map { $0 - m }
        } else {
            e = try FixedEffectProjection(panel: p, effects: effects).apply(r)
        }
        residuals = e
        dependence = ResidualDependence(residuals: e, panel: p, weights: w)
        let fe = zip(r, e).map { $0 - $1 }
        fixedEffects = fe
        let centre = Statistics.mean(e)
        let meanSquare = e.reduce(0) { $0 + ($1 - centre) * ($1 - centre) } / Double(e.count)
        let scale = (spec.outcome.sigma2 / meanSquare).squareRoot()
        scaledResiduals = e.map { ($0 - centre) * scale }
        systematic = zip(linear(spec.outcome), fe).map { $0 + $1 }
        let (lo, hi) = w.stableInterval
        guard spec.outcome.rho > lo, spec.outcome.rho < hi else {
            throw CalibrationError.unstableRho(scenario: source, key: spec.outcome.rho == spec.fit.rho ? "fit.rho" : "outcome.rho",
                                               rho: spec.outcome.rho, lower: lo, upper: hi)
        }
        filters = try w.sets.map { try SpatialFilter(weights: $0.weights, rho: spec.outcome.rho) }
        truth = try ObservedTruth(spec: spec, kernel: try w.effectKernel(), n: p.n, t: p.t, stableInterval: w.stableInterval,
                                  terms: dataset.quadratic, values: dataset.quadraticValues, moderatorValues: dataset.moderatorValues)
    }

    /// Why an error law cannot resample a panel with gaps, or nil. The block laws move whole series
    /// or cross-sections between units or years, which have different city-years observed.
    static func unsupported(_ law: ObservedDesignSpec.Errors) -> String? {
        switch law {
        case .normal, .bootstrap, .wild, .unitWild: return nil
        case .unitBlock: return "it gives unit i unit j's whole residual series, but the units are observed in different years"
        case .timeBlock: return "it gives year t year s's whole cross-section, but the years have different cities observed"
        }
    }

    /// The outcome for given errors ε (one per observed row, time-major), period by period.
    public func outcome(errors: [Double]) throws -> [Double] {
        guard errors.count == systematic.count else {
            throw EstimationError("\(errors.count) errors for a panel of \(systematic.count) observed city-years")
        }
        let p = dataset.panel, w = dataset.weights
        var y = [Double](repeating: 0, count: errors.count)
        for (k, set) in w.sets.enumerated() {
            let m = set.units.count
            var b = Matrix(rows: m, cols: set.periods.count)
            for (c, q) in set.periods.enumerated() {
                for j in 0..<m { b[j, c] = systematic[p.periodStart[q] + j] + errors[p.periodStart[q] + j] }
            }
            let solved = try filters[k].solve(b)
            for (c, q) in set.periods.enumerated() { for j in 0..<m { y[p.periodStart[q] + j] = solved[j, c] } }
        }
        return y
    }

    /// The panel of one replication: the data's observed city-years and regressors with a
    /// regenerated outcome. A pure function of (seed, cell, replication).
    public func generate(seed: UInt64, cell: Int, replication: Int) throws -> UnbalancedPanel {
        let stream = RandomStream(StreamID(seed: seed, cell: cell, replication: replication, purpose: ObservedStreamPurpose.errors))
        let p = dataset.panel
        let e: [Double]
        if spec.errors == .unitWild {
            // One Rademacher sign per unit (drawn in unit order, as for a balanced panel) times its residuals.
            let sign = (0..<p.n).map { _ in stream.bernoulli(0.5) ? 1.0 : -1.0 }
            e = zip(scaledResiduals, p.unit).map { $0 * sign[$1] }
        } else {
            e = ObservedErrors.draw(spec.errors, sigma2: spec.outcome.sigma2, pool: scaledResiduals, units: p.n, stream: stream)
        }
        return try UnbalancedPanel(y: try outcome(errors: e), x: p.x, names: p.names, n: p.n, t: p.t, unit: p.unit, period: p.period)
    }

    /// One generated panel as CSV in the data's own columns, one row per observed city-year (the
    /// missing city-years have no row): id, time, the outcome, then the regressors as read.
    public func csv(_ panel: UnbalancedPanel) -> String {
        let raw = spec.x + [spec.moderator].compactMap { $0 }.filter { !spec.x.contains($0) }
        let columns = raw.compactMap { name in panel.names.firstIndex(of: name).map { (name, panel.x.column($0)) } }
        var out = ([spec.id, spec.time, spec.y] + columns.map(\.0)).joined(separator: ",") + "\n"
        // A merged city's rows carry the id the merges file gives it (`into`), as the data do.
        let firstMerged = dataset.units.count - dataset.merges.count
        let ids = dataset.units.indices.map { $0 >= firstMerged ? dataset.merges[$0 - firstMerged].into : dataset.units[$0] }
        for r in 0..<panel.observations {
            let values = [panel.y[r]] + columns.map { $0.1[r] }
            out += ([ids[panel.unit[r]], PanelIndex.format(dataset.times[panel.period[r]])]
                    + values.map { String(format: "%.17g", $0) }).joined(separator: ",") + "\n"
        }
        return out
    }

    /// What the design keeps of the data's pattern, for `validate` and `calibrate`.
    public var patternText: String {
        let p = dataset.panel, w = dataset.weights
        var observed = [Bool](repeating: false, count: p.n * p.t)
        for (i, q) in zip(p.unit, p.period) { observed[q * p.n + i] = true }
        let summary = ObservationSummary(observed: observed, n: p.n, t: p.t)
        return "gaps kept in every replication: \(p.observations) of \(dataset.cityYears) city-years (\(dataset.absentRows) without a row, \(dataset.rowsWithEmptyCells) with an empty cell); "
            + summary.text + dataset.merges.map { "; merge \($0.parts.joined(separator: " + ")) → \($0.unitID) from \(PanelIndex.format($0.year))" }.joined()
            + "; \(w.distinctCount) distinct W_t (restricted\(w.restandardised ? " and re-standardised" : "")), \(w.isolatedCityYears) city-year(s) with no neighbour present"
    }
}

extension ResidualDependence {
    /// On a panel with gaps: the serial correlation over the consecutive observed years of each unit,
    /// the spatial one through each year's W_t.
    public init(residuals e: [Double], panel p: UnbalancedPanel, weights: PeriodWeights) {
        let ss = e.reduce(0) { $0 + $1 * $1 }
        var row = [Int: Int]()
        for k in 0..<p.observations { row[p.period[k] * p.n + p.unit[k]] = k }
        var lag = 0.0
        for k in 0..<p.observations where p.period[k] > 0 {
            if let previous = row[(p.period[k] - 1) * p.n + p.unit[k]] { lag += e[k] * e[previous] }
        }
        let we = weights.lag(e)
        self.init(serial: ss > 0 ? lag / ss : .nan, spatial: ss > 0 ? zip(e, we).reduce(0) { $0 + $1.0 * $1.1 } / ss : .nan)
    }
}

/// An observed design as the scenario's data make it: balanced, or with the data's gaps kept.
public enum ObservedWorld: Sendable {
    case balanced(ObservedDesign)
    case gaps(ObservedGapDesign)

    /// Loads the files (hash-checked; each read once) and builds the design the data call for.
    public static func load(spec: ObservedDesignSpec, source: String) throws -> ObservedWorld {
        let (table, weights, merges) = try ObservedDesign.readFiles(spec: spec, source: source)
        let loaded = try UnbalancedDataLoader.build(
            table: table, weights: weights, weightsSource: spec.weightsPath, id: spec.id, time: spec.time, y: spec.y,
            x: spec.x, quadratic: spec.quadratic, moderator: spec.moderator, rowStandardise: spec.rowStandardise, merges: merges)
        switch loaded {
        case .unbalanced(let data): return .gaps(try ObservedGapDesign(spec: spec, source: source, dataset: data))
        case .balanced:
            let dataset = try SpatialDataLoader.build(
                table: table, weights: weights, weightsSource: spec.weightsPath, id: spec.id, time: spec.time, y: spec.y,
                x: spec.x, quadratic: spec.quadratic, moderator: spec.moderator, rowStandardise: spec.rowStandardise)
            return .balanced(try ObservedDesign(spec: spec, source: source, dataset: dataset))
        }
    }

    public var isGappy: Bool {
        if case .gaps = self { return true }
        return false
    }

    public var truth: ObservedTruth {
        switch self {
        case .balanced(let d): return d.truth
        case .gaps(let d): return d.truth
        }
    }

    public var names: [String] {
        switch self {
        case .balanced(let d): return d.names
        case .gaps(let d): return d.names
        }
    }

    public var dependence: ResidualDependence {
        switch self {
        case .balanced(let d): return d.dependence
        case .gaps(let d): return d.dependence
        }
    }

    public var stableInterval: (lower: Double, upper: Double) {
        switch self {
        case .balanced(let d): return d.dataset.weights.stableInterval
        case .gaps(let d): return d.dataset.weights.stableInterval
        }
    }
}
