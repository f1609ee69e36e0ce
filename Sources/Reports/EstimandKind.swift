import Foundation

/// What an estimand's name says it is, so the report knows which figure it
/// belongs in. The convention (docs/REPORTS.md) for scenario estimand names:
///
/// * curve points `direct@0.25`, `indirect@0.25`, `total@0.25` — the effect of CA
///   evaluated at CA = 0.25 (MODEL.md §3); `curve_` prefixes and `_effect`
///   suffixes are allowed (`curve_direct_effect@0.25`), and `de`/`ie`/`te`;
/// * turning points: names starting `turning_point` or `tp_` (`turning_point_direct`);
/// * Lind–Mehlum U-tests: names starting `utest` or `u_test` (`utest_direct`),
///   scored by their rejection rate;
/// * anything else is a scalar estimand (ρ, β, θ, impacts, ATT …).
public enum EstimandKind: Equatable, Sendable {
    case curvePoint(curve: String, x: Double)
    case turningPoint
    case uTest
    case scalar

    public init(name: String) {
        let lower = name.lowercased()
        if let at = lower.lastIndex(of: "@"), let x = Double(lower[lower.index(after: at)...]), x.isFinite {
            var curve = String(lower[..<at])
            for prefix in ["curve_", "curve."] where curve.hasPrefix(prefix) { curve.removeFirst(prefix.count) }
            if curve.hasSuffix("_effect") { curve.removeLast("_effect".count) }
            let aliases = ["de": "direct", "ie": "indirect", "te": "total"]
            curve = aliases[curve] ?? curve
            if ["direct", "indirect", "total"].contains(curve) {
                self = .curvePoint(curve: curve, x: x)
                return
            }
        }
        if lower.hasPrefix("turning_point") || lower.hasPrefix("tp_") {
            self = .turningPoint
        } else if lower.hasPrefix("utest") || lower.hasPrefix("u_test") {
            self = .uTest
        } else {
            self = .scalar
        }
    }
}
