import Foundation
import Numerics

/// The exact annihilator M_D = I − D(D'D)⁺D' of the fixed-effect dummies D on an
/// unbalanced panel's observed rows.
///
/// With unit and period effects the simple double demeaning (v − v̄_i − v̄_t + v̄) is M_D only
/// when the panel is balanced. Here the unit dummies U are absorbed (within-unit demeaning,
/// M_U) and the period dummies enter through the T × T normal equations of the partialled
/// regression (Frisch–Waugh–Lovell): M_D v = M_U v − M_U V α̂, α̂ = (V'M_U V)⁺ V'M_U v, with the
/// Moore–Penrose inverse from the symmetric eigen-decomposition (V'M_U V has rank T − 1 for a
/// connected panel; the one zero eigenvalue is the common level shared with the unit effects).
/// This is a direct solve of the fixed-effect normal equations, exact to rounding, O(rows · k + T³).
public struct FixedEffectProjection: Sendable {
    let effects: FixedEffects
    let unit: [Int]
    let period: [Int]
    let n: Int
    let t: Int
    /// Observations per unit (T_i) and per period (n_t).
    let unitCount: [Double]
    let periodCount: [Double]
    /// (V'M_U V)⁺, T × T (two-way effects only).
    let normalInverse: Matrix?
    /// rank(D): the number of fixed effects the data identify.
    let rank: Int

    public init(panel: UnbalancedPanel, effects: FixedEffects) throws {
        self.effects = effects
        unit = panel.unit
        period = panel.period
        n = panel.n
        t = panel.t
        var uc = [Double](repeating: 0, count: n), pc = [Double](repeating: 0, count: t)
        for i in unit { uc[i] += 1 }
        for p in period { pc[p] += 1 }
        unitCount = uc
        periodCount = pc
        let unitsPresent = uc.filter { $0 > 0 }.count, periodsPresent = pc.filter { $0 > 0 }.count
        switch effects {
        case .none: rank = 0; normalInverse = nil
        case .individual: rank = unitsPresent; normalInverse = nil
        case .time: rank = periodsPresent; normalInverse = nil
        case .twoWays:
            // V'M_U V = diag(n_t) − Σ_i c_i c_iᵀ / T_i, c_i the indicator of unit i's periods.
            var a = Matrix(rows: t, cols: t)
            for p in 0..<t { a[p, p] = pc[p] }
            var periodsOf = [[Int]](repeating: [], count: n)
            for (i, p) in zip(unit, period) { periodsOf[i].append(p) }
            for ps in periodsOf where !ps.isEmpty {
                let w = 1 / Double(ps.count)
                for p in ps { for q in ps { a[p, q] -= w } }
            }
            for j in 0..<t { for i in 0..<j { let m = 0.5 * (a[i, j] + a[j, i]); a[i, j] = m; a[j, i] = m } }
            let e = try SymmetricEigen(a)
            // Eigenvalues are those of a graph Laplacian scaled by 1/T_i ≤ 1: the zero ones are
            // exact zeros up to rounding of order ε·max(n_t), far below the smallest nonzero one.
            let cutoff = 1e-9 * max(e.values.max() ?? 1, 1)
            var inv = Matrix(rows: t, cols: t)
            var r = 0
            for k in 0..<t where e.values[k] > cutoff {
                r += 1
                let s = 1 / e.values[k]
                for j in 0..<t { for i in 0..<t { inv[i, j] += s * e.vectors[i, k] * e.vectors[j, k] } }
            }
            normalInverse = inv
            rank = unitsPresent + r
        }
    }

    /// M_D v for one vector over the observed rows.
    public func apply(_ v: [Double]) -> [Double] {
        switch effects {
        case .none: return v
        case .individual: return demean(v, by: unit, counts: unitCount)
        case .time: return demean(v, by: period, counts: periodCount)
        case .twoWays:
            let u = demean(v, by: unit, counts: unitCount)
            var b = [Double](repeating: 0, count: t)
            for (k, p) in period.enumerated() { b[p] += u[k] }
            let alpha = normalInverse!.multiply(b)
            // M_U V α: α_t(r) minus unit i's mean of α over its periods.
            let va = period.map { alpha[$0] }
            let mva = demean(va, by: unit, counts: unitCount)
            return zip(u, mva).map { $0 - $1 }
        }
    }

    func apply(_ m: Matrix) -> Matrix { m.mapColumns(apply) }

    private func demean(_ v: [Double], by group: [Int], counts: [Double]) -> [Double] {
        var mean = [Double](repeating: 0, count: counts.count)
        for (k, g) in group.enumerated() { mean[g] += v[k] }
        for g in 0..<mean.count where counts[g] > 0 { mean[g] /= counts[g] }
        return zip(v, group).map { $0 - mean[$1] }
    }
}
