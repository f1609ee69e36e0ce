import Foundation
import Numerics

/// Both worlds of a static outcome and the mechanism's two paths from one product with W and one
/// solve through the filter (issue 22, docs/benchmarks.md session 10).
///
/// A replication needs Mis(0) = S r₀, Mis(1) = S r₁ and the paths S(D channel) and S(policy)
/// (`MechanismTruth.paths`), each right-hand side being own + W·lagged. Made one by one (`solve(…,
/// beside:)` for Mis(1)) that was four products with W and eight with the spectrum's 280 × 280 factor
/// in the baseline, each packing that factor again. Here Mis(1) = Mis(0) + S(D channel) + S(policy):
/// S is linear and r₁ − r₀ is exactly the D channel's and the policy's right-hand sides (the outcome is
/// linear in D given CA, and other₁ = other₀ + policy), so the treated world needs no solve of its own;
/// what remains is one product with W over r₀'s and the channel's lagged parts side by side and one
/// solve over r₀ and the two paths side by side, the paths only in the periods where ΔD or the policy
/// term is not zero (elsewhere they are zero and Mis(1) is Mis(0), bit for bit).
///
/// *Bits.* Mis(0) and the paths are the separate calls' numbers bit for bit on this machine: every
/// column of a BLAS product is its own dot products, and OpenBLAS 0.3.21's dgemm on this machine (its
/// Zen kernel) computes a column the same way whatever its neighbours, except the last column of a
/// product of odd width (its one-column tail; measured, docs/benchmarks.md session 10). So the blocks
/// have even width (the paths padded with a zero period), which matches the separate calls' T columns
/// when T is even (`solvesWorldsTogether`; odd T keeps the separate calls). Mis(1) in the periods after the first adoption is the sum rather than a solve
/// of r₁: it differs from that solve in the last bits (docs/benchmarks.md, session 10, lists the CSV
/// columns this moves). Results do not depend on the thread count.
extension OutcomeModel {
    /// Whether `solveWorlds` applies: a static outcome, a dense W (one dgemm per product) and an even
    /// number of periods (see above).
    func solvesWorldsTogether(periods: Int) -> Bool {
        !isDynamic && weights.sparse == nil && periods > 0 && periods % 2 == 0
    }

    /// Mis(0), Mis(1) and the mechanism's paths (time-major, N·T): Mis(0) and the paths the same numbers
    /// as `filter.solvePanel(rightHandSide(…))` and `MechanismTruth.paths(model:ca:deltaD:policy:)`,
    /// Mis(1) = Mis(0) + indirect + direct. `deltaD` is D(1) − D(0); the treated world's `other` is
    /// `other0 + policy`.
    func solveWorlds(ca: [Double], d0: [Double], controls: [[Double]], other0: [Double],
                     deltaD: [Double], policy: [Double],
                     operators: OutcomeOperators? = nil) throws -> (mis0: [Double], mis1: [Double], paths: MechanismTruth.Paths) {
        let n = weights.count, m = ca.count
        precondition(n > 0 && m % n == 0 && d0.count == m && deltaD.count == m && policy.count == m)
        let periods = m / n
        let parts0 = rightHandSideParts(ca: ca, d: d0, controls: controls, other: other0)
        let channel = MechanismTruth.channelParts(model: self, ca: ca, deltaD: deltaD)
        func column(_ p: Int) -> Range<Int> { (p * n)..<((p + 1) * n) }
        /// Periods padded to an even count with the first period not in the set (ascending).
        func evenWidth(_ set: [Int]) -> [Int] {
            guard set.count % 2 == 1, let extra = (0..<periods).first(where: { !set.contains($0) }) else { return set }
            return (set + [extra]).sorted()
        }
        // The paths' right-hand sides are zero where neither ΔD nor the policy term is (their
        // solution there is zero), and there the two worlds' right-hand sides are the same.
        let pathPeriods = evenWidth((0..<periods).filter { p in column(p).contains { deltaD[$0] != 0 || policy[$0] != 0 } })
        if let operators {
            // [own; lagged] per column, stacked: r₀ (T) | D channel (path periods) | policy (path
            // periods, no lagged part); one product with [S | SW].
            var b: [Double] = []
            b.reserveCapacity(2 * n * (periods + 2 * pathPeriods.count))
            for p in 0..<periods {
                b.append(contentsOf: parts0.own[column(p)]); b.append(contentsOf: parts0.lagged[column(p)])
            }
            for p in pathPeriods { b.append(contentsOf: channel.own[column(p)]); b.append(contentsOf: channel.lagged[column(p)]) }
            let zero = [Double](repeating: 0, count: n)
            for p in pathPeriods { b.append(contentsOf: policy[column(p)]); b.append(contentsOf: zero) }
            let solved = operators.apply(b)
            return Self.worlds(solved, n: n, m: m, pathPeriods: pathPeriods)
        }

        // One product with W: [lagged₀ (T) | channel's lagged (path periods)].
        var lagged = parts0.lagged
        lagged.reserveCapacity(m + pathPeriods.count * n)
        for p in pathPeriods { lagged.append(contentsOf: channel.lagged[column(p)]) }
        let wl = weights.applyPanel(lagged)
        let pathBase = m

        // One solve: [r₀ (T) | channel (path periods) | policy (path periods)].
        var b = parts0.own
        for k in 0..<m { b[k] += wl[k] }
        b.reserveCapacity(m + 2 * pathPeriods.count * n)
        for (q, p) in pathPeriods.enumerated() {
            for i in 0..<n { b.append(channel.own[p * n + i] + wl[pathBase + q * n + i]) }
        }
        for p in pathPeriods { b.append(contentsOf: policy[column(p)]) }
        let solved = try solveDistinctColumns(b)
        return Self.worlds(solved, n: n, m: m, pathPeriods: pathPeriods)
    }

    /// Mis(0), Mis(1) and the paths from the solved columns [Mis(0) (T) | indirect (path periods) |
    /// direct (path periods)].
    private static func worlds(_ solved: [Double], n: Int, m: Int,
                               pathPeriods: [Int]) -> (mis0: [Double], mis1: [Double], paths: MechanismTruth.Paths) {
        let pathBase = m
        let mis0 = Array(solved[0..<m])
        var indirect = [Double](repeating: 0, count: m), direct = indirect
        let directBase = m + pathPeriods.count * n
        var mis1 = mis0
        for (q, p) in pathPeriods.enumerated() {
            for i in 0..<n {
                let k = p * n + i
                indirect[k] = solved[pathBase + q * n + i]
                direct[k] = solved[directBase + q * n + i]
                // Mis(1) = Mis(0) + S(D channel) + S(policy): S is linear and r₁ − r₀ is exactly those two
                // right-hand sides (D enters linearly given CA, and other₁ = other₀ + policy).
                mis1[k] = mis0[k] + indirect[k] + direct[k]
            }
        }
        return (mis0, mis1, MechanismTruth.Paths(indirect: indirect, direct: direct))
    }

    /// `filter.solvePanel(b)` for an even number of columns, solving each distinct column once: the
    /// policy term δ_P Treat∘Post is one and the same column in every post period of a single cohort
    /// without effect growth (11 of the baseline's 12 policy columns; all 12 are zero in a cell
    /// without a policy effect, like the paths' padding period). Columns equal bit for bit have equal
    /// solutions, and an even-width product computes every column as the separate calls do (see
    /// above), so the distinct columns go in one product padded to even width with a copy of the
    /// last, and the result is `filter.solvePanel(b)`'s bit for bit.
    func solveDistinctColumns(_ b: [Double]) throws -> [Double] {
        let n = weights.count, width = b.count / n
        guard n > 0, b.count % n == 0, width % 2 == 0 else { return try filter.solvePanel(b) }
        var columns = DistinctColumns(b, height: n)
        guard columns.distinct.count < width else { return try filter.solvePanel(b) }
        if columns.distinct.count % 2 == 1 { columns.distinct.append(columns.distinct[columns.distinct.count - 1]) }
        return columns.spread(try filter.solvePanel(columns.packed(b)), rows: n)
    }
}

/// The static outcome's solution operators for a W fixed in the design cell, S = (I − ρW)⁻¹ and SW,
/// side by side as one N × 2N matrix, built once per cell (`CitySystemCell`): a right-hand side
/// own + W·lagged is solved as [S | SW]·[own; lagged], one product per replication instead of one
/// with W and two with the spectrum's factor (each of the three packing its N × N operand again),
/// with a third fewer multiply–adds in the baseline (64 column-passes over an N × N block, from 94).
/// The numbers are the same linear maps rounded differently: Mis and the paths differ from the
/// spectrum's in the last bits (docs/benchmarks.md, session 11).
///
/// The product runs through `PackedProduct` (Numerics): [S | SW] packed once per cell instead of by
/// dgemm in every replication, with dgemm's bits (checked once per cell; docs/benchmarks.md, session 12).
public struct OutcomeOperators: Sendable {
    /// [S | SW], N × 2N.
    let stacked: PackedProduct

    /// Built only up to this N: the 16N² bytes are held by every cell for the whole run (≈ 5.8 MB
    /// per cell at 600 cities, ≈ 310 MB over a 54-cell grid); larger dense worlds solve through the
    /// spectrum as before (the session-10 path: other last bits, the same linear maps).
    public static let maximumUnits = 600

    init(model: OutcomeModel) throws {
        let n = model.weights.count
        let s = try model.filter.solve(Matrix.identity(n))
        let sw = s * model.weights.matrix
        stacked = PackedProduct(Matrix(rows: n, cols: 2 * n, uncheckedColumnMajor: s.data + sw.data))
    }

    /// [S | SW] times the 2N × k column-major `b`, each distinct column multiplied once.
    func apply(_ b: [Double]) -> [Double] {
        let n = stacked.rows, height = 2 * n, width = b.count / height
        precondition(width * height == b.count)
        let columns = DistinctColumns(b, height: height)
        return columns.spread(stacked.product(columns.packed(b), width: columns.distinct.count), rows: n)
    }
}

/// The distinct columns of a column-major matrix with `height` rows (equal bit for bit), so that a
/// linear map applied column by column is applied to each distinct column once and spread back.
struct DistinctColumns {
    /// Column → its position among the distinct ones.
    let source: [Int]
    /// The first column of each distinct content, in order (a caller may pad it with repeats).
    var distinct: [Int]
    let height: Int

    init(_ b: [Double], height: Int) {
        let width = b.count / height
        var source = [Int](repeating: 0, count: width), distinct: [Int] = []
        b.withUnsafeBufferPointer { pb in
            func same(_ a: Int, _ c: Int) -> Bool {
                (0..<height).allSatisfy { pb[a * height + $0].bitPattern == pb[c * height + $0].bitPattern }
            }
            for c in 0..<width {
                if let r = distinct.firstIndex(where: { same($0, c) }) { source[c] = r } else {
                    source[c] = distinct.count
                    distinct.append(c)
                }
            }
        }
        self.source = source
        self.distinct = distinct
        self.height = height
    }

    /// The distinct columns of `b`, side by side.
    func packed(_ b: [Double]) -> [Double] {
        var packed: [Double] = []
        packed.reserveCapacity(distinct.count * height)
        for c in distinct { packed.append(contentsOf: b[(c * height)..<((c + 1) * height)]) }
        return packed
    }

    /// Every column's result from `solved` (`n` rows, one column per entry of `distinct`).
    func spread(_ solved: [Double], rows n: Int) -> [Double] {
        let width = source.count
        return [Double](unsafeUninitializedCapacity: width * n) { out, count in
            solved.withUnsafeBufferPointer { ps in
                for c in 0..<width {
                    let from = source[c] * n, to = c * n
                    for i in 0..<n { out[to + i] = ps[from + i] }
                }
            }
            count = width * n
        }
    }
}
