import Foundation
import Numerics

/// Both worlds of a static outcome and the mechanism's two paths from one product with W and one
/// solve through the filter (issue 22, docs/benchmarks.md session 10).
///
/// A replication needs Mis(0) = S r₀, Mis(1) = S r₁ (only where r₁ differs from r₀, `solve(…, beside:)`)
/// and the paths S(D channel) and S(policy) (`MechanismTruth.paths`), each right-hand side being
/// own + W·lagged. Made one by one that is four products with W and eight with the spectrum's
/// 280 × 280 factor in the baseline, each packing that factor again; here it is one product with W
/// over the lagged parts side by side and one solve over the right-hand sides side by side, and the
/// paths and the treated world's lagged part only in the periods where they are not zero or differ.
///
/// *Same bits as the separate calls* where each column's arithmetic is the same: every column of a
/// BLAS product is its own dot products, and OpenBLAS's dgemm on this machine (its SkylakeX kernel,
/// two columns per step) computes a column the same way whatever its neighbours, except the last
/// column of a product of odd width (the kernel's one-column tail). So every block here has even
/// width except the treated world's own periods, which come last — the one column in the tail is
/// then the one that was in the tail of its separate solve. The separate calls' blocks have T
/// columns, so this holds when T is even (`solvesWorldsTogether`); with odd T the generator keeps
/// the separate calls. A BLAS whose kernel steps over more columns at a time could round the fused
/// product differently in the last bits (results are then still the same on any thread count).
extension OutcomeModel {
    /// Whether `solveWorlds` gives the same bits as the separate solves: a static outcome, a dense W
    /// (one dgemm per product) and an even number of periods (see above).
    func solvesWorldsTogether(periods: Int) -> Bool {
        !isDynamic && weights.sparse == nil && periods > 0 && periods % 2 == 0
    }

    /// Mis(0), Mis(1) and the mechanism's paths (time-major, N·T), the same numbers as
    /// `filter.solvePanel(rightHandSide(…0))`, `solve(…1, beside:)` and
    /// `MechanismTruth.paths(model:ca:deltaD:policy:)`. `other1` is `other0 + policy`; `deltaD` is d1 − d0.
    func solveWorlds(ca: [Double], d0: [Double], d1: [Double], controls: [[Double]], other0: [Double], other1: [Double],
                     deltaD: [Double], policy: [Double]) throws -> (mis0: [Double], mis1: [Double], paths: MechanismTruth.Paths) {
        let n = weights.count, m = ca.count
        precondition(n > 0 && m % n == 0 && d0.count == m && d1.count == m && deltaD.count == m && policy.count == m)
        let periods = m / n
        let parts0 = rightHandSideParts(ca: ca, d: d0, controls: controls, other: other0)
        let parts1 = rightHandSideParts(ca: ca, d: d1, controls: controls, other: other1)
        let channel = MechanismTruth.channelParts(model: self, ca: ca, deltaD: deltaD)
        func column(_ p: Int) -> Range<Int> { (p * n)..<((p + 1) * n) }
        func differ(_ a: [Double], _ b: [Double], _ p: Int) -> Bool { column(p).contains { a[$0].bitPattern != b[$0].bitPattern } }
        /// Periods padded to an even count with the first period not in the set (ascending).
        func evenWidth(_ set: [Int]) -> [Int] {
            guard set.count % 2 == 1, let extra = (0..<periods).first(where: { !set.contains($0) }) else { return set }
            return (set + [extra]).sorted()
        }
        // The treated world's lagged part differs only where D differs; the paths' right-hand sides
        // are zero where neither ΔD nor the policy term is (their solution there is zero).
        let lagged1 = evenWidth((0..<periods).filter { differ(parts1.lagged, parts0.lagged, $0) })
        let pathPeriods = evenWidth((0..<periods).filter { p in column(p).contains { deltaD[$0] != 0 || policy[$0] != 0 } })

        // One product with W: [lagged₀ (T) | channel's lagged (path periods) | lagged₁ (its periods)].
        var lagged = parts0.lagged
        lagged.reserveCapacity(m + (pathPeriods.count + lagged1.count) * n)
        for p in pathPeriods { lagged.append(contentsOf: channel.lagged[column(p)]) }
        for p in lagged1 { lagged.append(contentsOf: parts1.lagged[column(p)]) }
        let wl = weights.applyPanel(lagged)
        let pathBase = m, lagged1Base = m + pathPeriods.count * n

        var rhs0 = parts0.own
        for k in 0..<m { rhs0[k] += wl[k] }
        var rhs1 = parts1.own
        for p in 0..<periods {
            // A lagged₁ column equal to lagged₀'s has lagged₀'s product, bit for bit.
            let source = lagged1.firstIndex(of: p).map { lagged1Base + $0 * n } ?? p * n
            for i in 0..<n { rhs1[p * n + i] += wl[source + i] }
        }
        let changed = (0..<periods).filter { differ(rhs1, rhs0, $0) }

        // One solve: [r₀ (T) | channel (path periods) | policy (path periods) | r₁ (changed periods)].
        var b = rhs0
        b.reserveCapacity(m + (2 * pathPeriods.count + changed.count) * n)
        for (q, p) in pathPeriods.enumerated() {
            for i in 0..<n { b.append(channel.own[p * n + i] + wl[pathBase + q * n + i]) }
        }
        for p in pathPeriods { b.append(contentsOf: policy[column(p)]) }
        for p in changed { b.append(contentsOf: rhs1[column(p)]) }
        let solved = try filter.solvePanel(b)

        let mis0 = Array(solved[0..<m])
        var indirect = [Double](repeating: 0, count: m), direct = indirect
        let directBase = m + pathPeriods.count * n, changedBase = directBase + pathPeriods.count * n
        for (q, p) in pathPeriods.enumerated() {
            for i in 0..<n {
                indirect[p * n + i] = solved[pathBase + q * n + i]
                direct[p * n + i] = solved[directBase + q * n + i]
            }
        }
        var mis1 = mis0
        for (q, p) in changed.enumerated() {
            for i in 0..<n { mis1[p * n + i] = solved[changedBase + q * n + i] }
        }
        return (mis0, mis1, MechanismTruth.Paths(indirect: indirect, direct: direct))
    }
}
