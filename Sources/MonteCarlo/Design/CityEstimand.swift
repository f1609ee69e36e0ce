import Estimators
import Foundation

/// An estimand of a spatial model, named in `estimators[].estimands`:
///
/// | name | truth |
/// |---|---|
/// | `rho` | ρ |
/// | `lambda` | λ of the error's spatial process (sac, sem, sdem): `ModelTruth.lambda` — 0 without spatial errors, the generator's λ with `error.law: spatial`, none (scored as missing) with Gaussian-field shocks |
/// | `beta.X`, `theta.X` | β or θ of regressor X (`CA`, `CA2`, `CAxD`, `D`, or a control; an observed design's regressors) |
/// | `direct.X`, `indirect.X`, `total.X` | effects of an ordinary regressor X (MODEL.md §3); refused for CA, CA2, CAxD and D (an observed design: its quadratic terms), whose effect varies by observation |
/// | `ame.K.X` | average over the sample's observations of the K effect of X = CA or D (LeSage–Pace summary) |
/// | `tp.K.L` | turning point of the K curve (direct/indirect/total) at D = quantile L (p25/p50/p75) |
/// | `shift.K` | dc*/dD of the K curve |
/// | `utest.K.L` | Lind–Mehlum U-test on the 5th–95th CA percentile: estimate 1 if it rejects; truth 1 if the true K curve has its minimum inside |
/// | `curve.K.L.j` | the K effect curve at grid point j (0…40) at D = quantile L |
/// | `curve.K.L.*`, `curve.K.L.*/s` | shorthand for the whole curve (41 points) or every s-th point (see `expandCurve`) |
/// | `tau`, `eta` | τ and η of the dynamic outcome (`model: sdm_dynamic` only) |
/// | `tp_lr.K.L`, `utest_lr.K.L`, `curve_lr.K.L.j` | as `tp.K.L`, `utest.K.L`, `curve.K.L.j` against the long-run (steady-state) truth (issue 25): the dynamic SDM's long-run estimate; a static model's ordinary estimate. Without τ, η the long run is the short run; `curve_lr.K.L.*` and `*/s` expand as `curve` does |
///
/// With a dynamic outcome `tp`, `utest`, `curve` and the effects are the short-run ones.
enum SpatialEstimand: Equatable {
    /// An estimand added to the catalogue (`EstimandCatalogue.register`): computed by its definition.
    case defined(EstimandDefinition)
    case rho
    /// λ of the spatial error process u = λMu + ε (M the model's W), scored exactly as `rho`.
    case lambda
    case tau, eta
    case turningPointLongRun(EffectKind, String)
    case uTestLongRun(EffectKind, String)
    case curveLongRun(EffectKind, String, Int)
    case beta(String), theta(String)
    case effect(EffectKind, String)
    case averageEffect(EffectKind, String)
    case turningPoint(EffectKind, String)
    case shift(EffectKind)
    case uTest(EffectKind, String)
    case curve(EffectKind, String, Int)

    static func == (a: SpatialEstimand, b: SpatialEstimand) -> Bool {
        switch (a, b) {
        case let (.defined(x), .defined(y)): return x.name == y.name
        case (.defined, _), (_, .defined): return false
        case (.rho, .rho), (.lambda, .lambda), (.tau, .tau), (.eta, .eta): return true
        case let (.turningPointLongRun(k, x), .turningPointLongRun(l, y)), let (.uTestLongRun(k, x), .uTestLongRun(l, y)):
            return k == l && x == y
        case let (.beta(x), .beta(y)), let (.theta(x), .theta(y)): return x == y
        case let (.effect(k, x), .effect(l, y)), let (.averageEffect(k, x), .averageEffect(l, y)): return k == l && x == y
        case let (.turningPoint(k, x), .turningPoint(l, y)), let (.uTest(k, x), .uTest(l, y)): return k == l && x == y
        case let (.shift(k), .shift(l)): return k == l
        case let (.curve(k, x, i), .curve(l, y, j)), let (.curveLongRun(k, x, i), .curveLongRun(l, y, j)):
            return k == l && x == y && i == j
        default: return false
        }
    }

    static let quantileLabels = ["p25", "p50", "p75"]
    /// Points of the curve grid on [p5, p95] at which curves are evaluated (the catalogue's one definition).
    static let curveGridCount = Estimand.curveGridPoints

    /// A whole curve in one name: `curve.K.L.*` is the 41 points `curve.K.L.0` … `curve.K.L.40`
    /// (and `curve_lr.K.L.*` those of the long-run curve),
    /// `curve.K.L.*/s` every s-th of them from 0 (and always the last, 40), e.g. `*/4` gives 0, 4, …, 40.
    /// Nil for any other name (which is then parsed as one estimand). The expansion happens when the
    /// scenario is read, so result files hold the ordinary names.
    static func expandCurve(_ name: String) -> [String]? {
        let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 4, p[0] == "curve" || p[0] == "curve_lr", p[3].hasPrefix("*") else { return nil }
        let rest = p[3].dropFirst()
        var step = 1
        if !rest.isEmpty {
            guard rest.hasPrefix("/"), let s = Int(rest.dropFirst()), s >= 1 else { return nil }
            step = s
        }
        var points = Array(stride(from: 0, to: curveGridCount, by: step))
        if points.last != curveGridCount - 1 { points.append(curveGridCount - 1) }
        return points.map { "\(p[0]).\(p[1]).\(p[2]).\($0)" }
    }

    /// Regressors whose marginal effect depends on CA or D (they enter with CA², CA·D):
    /// a single direct/indirect/total coefficient effect of these is the effect at
    /// CA = 0, D = 0, outside the data, so it is refused (see `nonlinearEffectError`).
    static let nonlinearRegressors = ["CA", "CA2", "CAxD", "D"]
    static let averageRegressors = ["CA", "D"]

    /// The catalogue's definitions first, then the built-in forms.
    static func parse(_ name: String) -> SpatialEstimand? {
        if let d = EstimandCatalogue.definition(name) { return .defined(d) }
        return builtIn(name)
    }

    static func builtIn(_ name: String) -> SpatialEstimand? {
        let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func kind(_ s: String) -> EffectKind? { EffectKind(rawValue: s) }
        // A regressor name is everything after the first dot (a data column may contain dots).
        let regressor = p.dropFirst().joined(separator: ".")
        if p.count >= 2, !regressor.isEmpty {
            switch p[0] {
            case "beta": return .beta(regressor)
            case "theta": return .theta(regressor)
            case "direct", "indirect", "total": return kind(p[0]).map { .effect($0, regressor) }
            default: break
            }
        }
        switch (p.first ?? "", p.count) {
        case ("rho", 1): return .rho
        case ("lambda", 1): return .lambda
        case ("tau", 1): return .tau
        case ("eta", 1): return .eta
        case ("tp_lr", 3): return kind(p[1]).flatMap { k in quantileLabels.contains(p[2]) ? .turningPointLongRun(k, p[2]) : nil }
        case ("utest_lr", 3): return kind(p[1]).flatMap { k in quantileLabels.contains(p[2]) ? .uTestLongRun(k, p[2]) : nil }
        case ("ame", 3): return kind(p[1]).flatMap { k in averageRegressors.contains(p[2]) ? .averageEffect(k, p[2]) : nil }
        case ("tp", 3): return kind(p[1]).flatMap { k in quantileLabels.contains(p[2]) ? .turningPoint(k, p[2]) : nil }
        case ("shift", 2): return kind(p[1]).map { .shift($0) }
        case ("utest", 3): return kind(p[1]).flatMap { k in quantileLabels.contains(p[2]) ? .uTest(k, p[2]) : nil }
        case ("curve", 4), ("curve_lr", 4):
            guard let k = kind(p[1]), quantileLabels.contains(p[2]), let j = Int(p[3]), j >= 0, j < curveGridCount else { return nil }
            return p[0] == "curve" ? .curve(k, p[2], j) : .curveLongRun(k, p[2], j)
        default: return nil
        }
    }

    static let forms = "rho, lambda (sac, sem, sdem), tau, eta (sdm_dynamic), tp_lr.K.L, utest_lr.K.L, curve_lr.K.L.j (long-run truth), beta.X, theta.X (X = CA, CA2, CAxD, D or a control), direct.X, indirect.X, total.X (X = a control), "
        + "ame.K.CA, ame.K.D, tp.K.L, shift.K, utest.K.L, curve.K.L.j (K = direct|indirect|total, L = p25|p50|p75, j = 0…40; curve.K.L.* for all 41, curve.K.L.*/s for every s-th)"

    /// Why `K.X` cannot be scored when X enters with its square or an interaction, and what to use instead.
    static func nonlinearEffectError(_ k: EffectKind, _ x: String) -> String {
        let about = x == "CA" || x == "D" ? x : "CA"
        return "`\(k.rawValue).\(x)` is not a single effect: \(x) enters with CA², CA·D, so its \(k.rawValue) effect varies with CA and D "
            + "and this coefficient combination is the effect at CA = 0, D = 0, outside the data; use ame.\(k.rawValue).\(about) "
            + "(average over the sample), curve.\(k.rawValue).L.j (the effect at a CA grid point) or tp.\(k.rawValue).L (the turning point)"
    }

    /// The regressor an estimand refers to, if any.
    var regressor: String? {
        switch self {
        case .beta(let x), .theta(let x), .effect(_, let x), .averageEffect(_, let x): return x
        default: return nil
        }
    }

    var needsCurves: Bool {
        switch self {
        case .turningPoint, .shift, .uTest, .curve, .turningPointLongRun, .uTestLongRun, .curveLongRun: return true
        default: return false
        }
    }

    /// Scored against the long-run truth (the dynamic SDM's long-run analysis).
    var isLongRun: Bool {
        switch self {
        case .turningPointLongRun, .uTestLongRun, .curveLongRun: return true
        default: return false
        }
    }

    var needsImpacts: Bool { if case .effect = self { return true } else { return false } }

    var averagedRegressor: String? { if case .averageEffect(_, let x) = self { return x } else { return nil } }
}

/// Estimands of the treatment-effect estimators (PSM-DID and DID). Truths come from
/// the two worlds with common random numbers, Mis(1) − Mis(0) (MODEL.md §6); "post"
/// city-years are those from the city's adoption (treated) or the first adoption
/// (never-treated controls).
enum TreatmentEstimand: String, CaseIterable {
    /// Truth: mean over all treated post city-years of Mis(1) − Mis(0).
    case att
    /// Truth: the same over the treated city-years the estimator uses, weighted by the
    /// matching weights — differs from `att` when a caliper drops treated units.
    case attMatched = "att_matched"
    /// Truth: `att_matched` minus the spillover onto the controls the estimator uses
    /// (their weighted mean of Mis(1) − Mis(0) over post years): what DID identifies when
    /// integration spills over onto controls (SUTVA fails).
    case attNet = "att_net"
    /// Truth: that spillover onto the used controls; estimate: the shortfall
    /// att_matched_r − θ̂_r of the DID estimate below the ATT of its treated, so its bias
    /// says how much of the DID bias the spillover does not explain (= −bias of att_net).
    case spilloverControls = "spillover_controls"

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Estimands of `model: w_selection` (candidate W compared per replication):
///
/// | name | estimate | truth |
/// |---|---|---|
/// | `select.loglik`, `select.aic`, `select.bic`, `select.posterior` | 1 if the rule chooses a candidate equal to the true W, else 0 (the mean is the selection rate) | 1 |
/// | `posterior.true` | posterior probability of the candidates equal to the true W | 1 |
enum SelectionEstimand: String, CaseIterable {
    case loglik = "select.loglik"
    case aic = "select.aic"
    case bic = "select.bic"
    case posterior = "select.posterior"
    case posteriorTrue = "posterior.true"

    static var forms: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
