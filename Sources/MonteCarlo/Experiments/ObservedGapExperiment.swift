import Calibration
import CitySystem
import Estimators
import Foundation
import Numerics

/// The panel a workaround fits on an observed design with the data's gaps. The pattern is the
/// data's, the same in every replication, so which rows a workaround keeps (or how it fills a
/// gap), its regressors and its year weights W_t are built once per cell; a replication only
/// maps the regenerated outcome: y_w[r] = a_r·y[i_r] + b_r·y[j_r] (a selected row: a = 1, b = 0;
/// an interpolated gap: the two neighbouring observed years' weights).
struct ObservedGapWorkaround: Sendable {
    let source: [(i: Int, a: Double, j: Int, b: Double)]
    let x: Matrix
    let names: [String]
    let n: Int
    let t: Int
    let unit: [Int]
    let period: [Int]
    let weights: PeriodWeights

    func panel(outcome y: [Double]) throws -> UnbalancedPanel {
        try UnbalancedPanel(y: source.map { $0.a * y[$0.i] + $0.b * y[$0.j] }, x: x, names: names, n: n, t: t, unit: unit, period: period)
    }

    /// The workaround's rows on the design's pattern (docs/unbalanced.md, as `MissingWorkaround.apply`
    /// does on a city system's panel): exact keeps every observed city-year with the data's W_t;
    /// drop_cities the units observed every year; drop_years the years with every unit observed;
    /// interpolate fills each unit's gaps linearly over years (constant before its first and after its
    /// last observation; the quadratic regressor's square and interaction rebuilt from the filled values).
    init(_ workaround: MissingWorkaround, design: ObservedGapDesign) throws {
        let p = design.panel, m = p.observations
        if !design.dataset.merges.isEmpty, workaround == .dropYears || workaround == .interpolate {
            // The city set changes at a merge: no year has every unit, and interpolating would carry the
            // parts forward and the merged city back over years in which they do not exist.
            throw EstimationError("missing: \(workaround.rawValue) is not defined on an observed design with merges (the city set changes at the merge); use exact or drop_cities")
        }
        var xs = p.x
        names = p.names
        n = p.n
        switch workaround {
        case .exact:
            source = (0..<m).map { ($0, 1, $0, 0) }
            t = p.t; unit = p.unit; period = p.period
            weights = design.dataset.weights
            x = xs
            return
        case .dropCities:
            var count = [Int](repeating: 0, count: p.n)
            for i in p.unit { count[i] += 1 }
            let rows = (0..<m).filter { count[p.unit[$0]] == p.t }
            guard Set(rows.map { p.unit[$0] }).count >= 2 else { throw EstimationError("drop_cities: fewer than 2 cities are observed in every year") }
            source = rows.map { ($0, 1, $0, 0) }
            t = p.t; unit = rows.map { p.unit[$0] }; period = rows.map { p.period[$0] }
            xs = Self.rows(rows, of: p.x)
        case .dropYears:
            let years = (0..<p.t).filter { q in p.periodStart[q + 1] - p.periodStart[q] == p.n }
            guard years.count >= 2 else { throw EstimationError("drop_years: fewer than 2 years have every city observed") }
            let rows = years.flatMap { q in Array(p.periodStart[q]..<p.periodStart[q + 1]) }
            source = rows.map { ($0, 1, $0, 0) }
            t = years.count; unit = rows.map { p.unit[$0] }
            period = years.enumerated().flatMap { k, q in [Int](repeating: k, count: p.n) }
            xs = Self.rows(rows, of: p.x)
        case .interpolate:
            var rowOf = [Int: Int]()
            for k in 0..<m { rowOf[p.period[k] * p.n + p.unit[k]] = k }
            let seen = Set(p.unit).sorted()
            var src: [(Int, Double, Int, Double)] = [], u: [Int] = [], q: [Int] = []
            for period in 0..<p.t {
                for i in seen {
                    u.append(i); q.append(period)
                    if let k = rowOf[period * p.n + i] { src.append((k, 1, k, 0)); continue }
                    let before = (0..<period).reversed().lazy.compactMap { rowOf[$0 * p.n + i] }.first
                    let after = ((period + 1)..<p.t).lazy.compactMap { rowOf[$0 * p.n + i] }.first
                    switch (before, after) {
                    case let (b?, a?):
                        let w = Double(period - p.period[b]) / Double(p.period[a] - p.period[b])
                        src.append((b, 1 - w, a, w))
                    case let (b?, nil): src.append((b, 1, b, 0))
                    case let (nil, a?): src.append((a, 1, a, 0))
                    case (nil, nil): break   // unreachable: `seen` units have a row
                    }
                }
            }
            source = src; unit = u; period = q; t = p.t
            var filled = Matrix(rows: src.count, cols: p.x.cols)
            for j in 0..<p.x.cols { for (r, s) in src.enumerated() { filled[r, j] = s.1 * p.x[s.0, j] + s.3 * p.x[s.2, j] } }
            let columns = p.names
            if let terms = design.dataset.quadratic, let lin = columns.firstIndex(of: terms.linear) {
                // The constructed terms are rebuilt from the filled raw values, as the city system's interpolation does.
                if let sq = columns.firstIndex(of: terms.square) { for r in 0..<filled.rows { filled[r, sq] = filled[r, lin] * filled[r, lin] } }
                if let name = terms.interaction, let k = columns.firstIndex(of: name),
                   let d = terms.moderator.flatMap({ columns.firstIndex(of: $0) }) {
                    for r in 0..<filled.rows { filled[r, k] = filled[r, lin] * filled[r, d] }
                }
            }
            xs = filled
        }
        x = xs
        guard let w = design.dataset.fullWeights else { throw EstimationError("the design's W has no sparse form") }
        let template = try UnbalancedPanel(y: [Double](repeating: 0, count: source.count), x: x, names: names, n: n, t: t,
                                           unit: unit, period: period)
        weights = try PeriodWeights(w: w, panel: template, restandardise: design.dataset.weights.restandardised)
    }

    private static func rows(_ rows: [Int], of x: Matrix) -> Matrix {
        var out = Matrix(rows: rows.count, cols: x.cols)
        for j in 0..<x.cols { for (r, k) in rows.enumerated() { out[r, j] = x[k, j] } }
        return out
    }
}

/// One replication of an observed design with the data's gaps: regenerate the outcome on the
/// observed city-years, fit every estimator after its workaround, score against the truth averaged
/// over the observed city-years.
struct ObservedGapExperiment: Experiment {
    let design: ObservedGapDesign
    let truth: SpatialTruth
    let estimators: [CityEstimator]
    /// The workaround panels' templates, built once per cell (a failure is each replication's reason).
    let workarounds: [MissingWorkaround: Result<ObservedGapWorkaround, Error>]
    let dataSupport: ClosedRange<Double>?

    init(design: ObservedGapDesign, truth: SpatialTruth, estimators: [CityEstimator], dataSupport: ClosedRange<Double>?) {
        self.design = design
        self.truth = truth
        self.estimators = estimators
        self.dataSupport = dataSupport
        var w: [MissingWorkaround: Result<ObservedGapWorkaround, Error>] = [:]
        for case let .unbalanced(_, _, workaround, _, _, _) in estimators where w[workaround] == nil {
            w[workaround] = Result { try ObservedGapWorkaround(workaround, design: design) }
        }
        workarounds = w
    }

    func replicate(_ context: ReplicationContext) -> [FitOutcome] {
        let generated = Result { try design.generate(seed: context.seed, cell: context.cell, replication: context.replication) }
        return estimators.map { e in
            let truths = SpatialTruthLookup.values(e, truth)
            guard case let .unbalanced(spec, _, workaround, biasCorrected, estimands, alpha) = e else {
                return FitOutcome(status: FitStatus(.failed, "the design keeps the data's missing city-years; give a spatial estimator `missing`"),
                                  results: truths.map { .missing(truth: $0) })
            }
            do {
                let y = try generated.get().y
                let template = try (workarounds[workaround] ?? .failure(EstimationError("no panel for `missing: \(workaround.rawValue)`"))).get()
                return UnbalancedScoring.score(spec, panel: try template.panel(outcome: y), weights: template.weights,
                                               biasCorrected: biasCorrected, truth: truth,
                                               estimands: estimands, alpha: alpha)
            } catch {
                let status: FitStatus.Code = (try? generated.get()) == nil ? .generationFailed : .failed
                return FitOutcome(status: FitStatus(status, "\(error)"), results: truths.map { .missing(truth: $0) })
            }
        }
    }
}

/// The true values of an estimator's spatial estimands (NaN for other kinds).
enum SpatialTruthLookup {
    static func values(_ e: CityEstimator, _ truth: SpatialTruth) -> [Double] {
        switch e {
        case let .unbalanced(_, _, _, _, estimands, _), let .spatial(_, _, _, _, estimands, _, _), let .dynamic(_, _, _, estimands, _):
            return estimands.map { SpatialScoring.trueValue($0, truth) }
        default:
            return e.estimandCount.map { _ in .nan }
        }
    }
}
