import CitySystem
import Foundation

/// Which figure an estimand belongs in: part of the estimand catalogue (`Estimand`),
/// stored per estimand in result files, so a report reads it rather than the name. The convention (docs/REPORTS.md) for scenario estimand names:
///
/// * curve points `direct@0.25`, `indirect@0.25`, `total@0.25` — the effect of CA
///   evaluated at CA = 0.25 (MODEL.md §3); `curve_` prefixes and `_effect`
///   suffixes are allowed (`curve_direct_effect@0.25`), and `de`/`ie`/`te`. A
///   qualifier after the effect names a separate curve, e.g. the level of D:
///   `direct_p75@0.25`, `total:d=p25@0.5`;
/// * the engine's curve grid `curve.K.L.j` (docs/monte-carlo.md): effect K at grid
///   point j of the 41-point grid over [CA p5, CA p95] of each panel, at D = quantile L;
/// * turning points: names starting `turning_point`, `tp_` or `tp.` (`tp.direct.p50`);
/// * Lind–Mehlum U-tests: names starting `utest` or `u_test` (`utest.direct.p50`),
///   scored by their rejection rate;
/// * anything else is a scalar estimand (ρ, β, θ, impacts, ATT …).
public enum EstimandKind: Equatable, Hashable, Sendable, Codable {
    /// `effect` is direct, indirect or total; `qualifier` the rest of the curve's
    /// name (empty, or e.g. `p75`); `x` the CA value.
    case curvePoint(effect: EffectKind, qualifier: String, x: Double)
    /// Point `index` of the engine's curve grid (`curve.K.L.j`), whose CA values
    /// differ between replications: drawn against the CA percentile `gridPercentile(index)`.
    case curveGridPoint(effect: EffectKind, qualifier: String, index: Int)
    case turningPoint
    /// dc*/dD (`shift.K`): like a turning point, a ratio of coefficients without finite moments.
    case shift
    case uTest
    case scalar

    /// The kind of the estimand named `name`, from the catalogue (`Estimand`).
    public init(name: String) { self = Estimand(name).kind }

    /// The kind a name has by the naming convention above, for names the engine's own
    /// forms do not cover (the catalogue's fallback).
    static func conventional(_ name: String) -> EstimandKind {
        let lower = name.lowercased()
        if let at = lower.lastIndex(of: "@"), let x = Double(lower[lower.index(after: at)...]), x.isFinite,
           let (effect, qualifier) = Self.curve(String(lower[..<at])) {
            return .curvePoint(effect: effect, qualifier: qualifier, x: x)
        } else if let grid = Self.gridPoint(lower) {
            return grid
        } else if lower.hasPrefix("turning_point") || lower.hasPrefix("tp_") || lower.hasPrefix("tp.") {
            return .turningPoint
        } else if lower.hasPrefix("shift.") {
            return .shift
        } else if lower.hasPrefix("utest") || lower.hasPrefix("u_test") {
            return .uTest
        }
        return .scalar
    }

    /// A ratio of regression coefficients (turning point, shift): mean bias, SD and
    /// delta-method coverage do not exist for it (docs/monte-carlo.md); figures show
    /// its robust measures and Fieller sets instead.
    public var isRatio: Bool { self == .turningPoint || self == .shift }

    /// Appended to a curve's qualifier (its level of D) for the long-run curve `curve_lr.K.L.j`,
    /// so a figure draws it as a curve of its own beside the short-run one.
    public static let longRunQualifier = ", long run"

    /// Points of the engine's curve grid (`Estimand.curveGridPoints`).
    public static let gridPoints = Estimand.curveGridPoints

    /// The CA percentile of grid point `index`: 5 + 90 · index / 40.
    public static func gridPercentile(_ index: Int) -> Double { 5 + 90 * Double(index) / Double(gridPoints - 1) }

    /// `curve.K.L.j` with K an effect and j an index on the grid.
    static func gridPoint(_ name: String) -> EstimandKind? {
        let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 4, p[0] == "curve", let effect = EffectKind(rawValue: p[1]),
              let j = Int(p[3]), j >= 0, j < gridPoints else { return nil }
        return .curveGridPoint(effect: effect, qualifier: p[2], index: j)
    }

    /// Splits a curve name into its effect and qualifier; nil if it names no effect.
    static func curve(_ text: String) -> (EffectKind, String)? {
        var rest = Substring(text)
        for prefix in ["curve_", "curve."] where rest.hasPrefix(prefix) { rest = rest.dropFirst(prefix.count) }
        let effects: [(String, EffectKind)] = [("indirect", .indirect), ("direct", .direct), ("total", .total),
                                               ("de", .direct), ("ie", .indirect), ("te", .total)]
        guard let (token, effect) = effects.first(where: { rest.hasPrefix($0.0) }) else { return nil }
        rest = rest.dropFirst(token.count)
        // The effect must be a whole word: `direction@1` is not a curve.
        if let next = rest.first, next.isLetter || next.isNumber { return nil }
        if rest.hasPrefix("_effect") { rest = rest.dropFirst("_effect".count) }
        let separators: Set<Character> = ["_", ":", "|", "/", " ", "."]
        while let c = rest.first, separators.contains(c) { rest = rest.dropFirst() }
        return (effect, String(rest))
    }
}

extension EstimandKind {
    /// The kind's name as the results file's `estimand_kinds` attribute stores it.
    public var storedName: String {
        switch self {
        case .curvePoint: return "curve_point"
        case .curveGridPoint: return "curve_grid_point"
        case .turningPoint: return "turning_point"
        case .shift: return "shift"
        case .uTest: return "u_test"
        case .scalar: return "scalar"
        }
    }
}
