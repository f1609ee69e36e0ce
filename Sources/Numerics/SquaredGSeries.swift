import CLAPACK
import Foundation

/// Σ_{i>j} S(ρ)_ij² w_ij for S(ρ) = V diag(ω/(1 − ρω)) Vᵀ, the symmetric form of G = W(I − ρW)⁻¹
/// (G_ij G_ji = S_ij²), in O(N²) per call instead of the N³ product that forms S(ρ) — the cross-unit
/// term of the SDM's cluster and Conley sandwiches, whose pair weights w (products of residuals)
/// change every replication (docs/MODEL.md, "The cross-unit term in O(N²)").
///
/// With δ = ρ − ρ₀ and S₀ = S(ρ₀), S(ρ) = S₀(I − δS₀)⁻¹ = Σ_m δ^m S₀^{m+1} (each eigenvalue
/// g₀ = ω/(1 − ρ₀ω) becomes g₀/(1 − δg₀)), so the Cauchy product gives
///   S(ρ)∘S(ρ) = Σ_s δ^s H_s,  H_s = Σ_{m+n=s} S₀^{m+1} ∘ S₀^{n+1},
/// and the term is Σ_s δ^s ⟨H_s, w⟩: the H_s are formed once per W and node ρ₀ (`Patch`), each call
/// costs one pass of K + 1 inner products of N(N − 1)/2 pairs. The truncation after order K is
/// certified: with γ = max|g₀| = ‖S₀‖₂, r = |δ|γ < 1, ‖A∘B‖₂ ≤ ‖A‖₂‖B‖₂ (Schur; Horn & Johnson,
/// Topics in Matrix Analysis, Thm 5.5.3) and |⟨X, Q⟩| ≤ ‖X‖₂‖Q‖_* for the symmetric Q with
/// Q_ij = w_ij/2 off the diagonal (‖Q‖_* ≤ ν, given by the caller),
///   |term − Σ_{s≤K} δ^s⟨H_s, w⟩| ≤ νγ² Σ_{s>K} (s + 1) r^s = νγ² r^{K+1}[(K + 2) − (K + 1)r]/(1 − r)²
/// (‖Σ_{m+n=s} S₀^{m+1}∘S₀^{n+1}‖₂ ≤ (s + 1)γ^{s+2}). The order is the smallest K with that bound
/// ≤ 1e-15 × (value − bound), a lower bound of the term (rounding level); when no cached order reaches it the exact dense product is used
/// and counted (`Tally`). Nodes ρ₀ lie on a fixed grid uniform in ψ = ln((ρ − a)/(b − ρ)),
/// (a, b) = (1/ω_min, 1/ω_max): since γ = 1/dist(ρ₀, {a, b}), a grid step Δψ keeps r ≲ Δψ/2 up to the
/// poles. The result is a function of (W, ρ, w) alone — which node was built first, by which thread,
/// or whether it was evicted and rebuilt, changes nothing.
public final class SquaredGSeries: @unchecked Sendable {
    /// How one term was computed.
    public enum Method: Equatable, Sendable {
        /// Orders 0…`order` of the expansion about `node`.
        case series(order: Int, node: Double)
        /// The exact dense product (the series bound could not be met).
        case dense
    }

    public struct Term: Sendable {
        public let value: Double
        /// Certified bound on the truncation error (0 for the dense product).
        public let truncationBound: Double
        public let method: Method
    }

    /// Grid step in ψ and the highest cached order: r ≤ ≈ 0.07 at the edge of a patch, where
    /// order 16 reaches 1e-15 for ν γ²/term up to ≈ 1e3.
    public static let gridStep = 0.125
    public static let maximumOrder = 16
    public static let relativeTolerance = 1e-15
    /// Orders whose inner products `term` forms per `dgemv` after the first (a multiple of 4, see there).
    /// The first product forms two blocks (orders 0–7): with r ≲ 0.07 and ν γ²/term ≈ 10³–10⁴ the bound is
    /// met from order ≈ 9 on, so smaller first blocks would only re-read the pair weights.
    static let innerBlock = 4

    private let vectors: Matrix
    private let omega: [Double]
    private let n: Int
    private let lower: Double, upper: Double
    private let lock = NSCondition()
    /// The built nodes (`patch`) and the nodes' powers (`powerPatch`, for `mixedTerm`), each at most
    /// as many as the memory budget allows; read and written under `lock`.
    private var patches: RecentlyUsed<Patch>
    private var powerPatches: RecentlyUsed<PowerPatch>
    /// The nodes some worker is building now (`builtOnce`), under `lock`.
    private var building: Set<BuildKey> = []
    private struct BuildKey: Hashable {
        let store: AnyKeyPath
        let node: Int
    }

    /// The matrices of one node: H_s for s = 0…K, each the strictly lower triangle packed column by
    /// column (N(N − 1)/2 values), planar (H_0's pairs, then H_1's, …).
    final class Patch: @unchecked Sendable {
        let node: Double, gamma: Double
        let h: [Double]
        init(node: Double, gamma: Double, h: [Double]) { self.node = node; self.gamma = gamma; self.h = h }
    }

    /// The powers of one node for the mixed term: A_m = S₀^{m+1} for m = 0…K, each packed as
    /// `packLower` does, planar (A_0's pairs, then A_1's, …) — the same bytes as a `Patch`.
    final class PowerPatch: @unchecked Sendable {
        let node: Double, gamma: Double
        let a: [Double]
        init(node: Double, gamma: Double, a: [Double]) { self.node = node; self.gamma = gamma; self.a = a }
    }

    /// - Parameter vectors: orthonormal eigenvectors of the symmetric form, columns in the order of `omega`.
    /// - Parameter memoryBudget: bytes the cached patches may hold together (at least one patch is kept), and
    ///   the same again for the power patches of `mixedTerm` (built only when it is asked for).
    public init(vectors: Matrix, omega: [Double], memoryBudget: Int = 512 << 20) {
        self.vectors = vectors
        self.omega = omega
        n = omega.count
        lower = 1 / (omega.min() ?? 0)
        upper = 1 / (omega.max() ?? 0)
        let patchBytes = (Self.maximumOrder + 1) * Self.pairCount(n) * MemoryLayout<Double>.size
        let maximumPatches = max(1, memoryBudget / max(patchBytes, 1))
        patches = RecentlyUsed(capacity: maximumPatches)
        powerPatches = RecentlyUsed(capacity: maximumPatches)
    }

    public static func pairCount(_ n: Int) -> Int { n * (n - 1) / 2 }

    /// Bytes one node's matrices hold.
    public var patchBytes: Int { (Self.maximumOrder + 1) * Self.pairCount(n) * MemoryLayout<Double>.size }

    /// Σ_{i>j} S(ρ)_ij² w_ij with `pairWeights` packed as `packLower` does and ν ≥ ‖Q‖_* for the
    /// symmetric Q with Q_ij = w_ij/2 (i ≠ j), zero diagonal.
    public func term(rho: Double, pairWeights w: [Double], nuclearBound nu: Double) -> Term {
        precondition(w.count == Self.pairCount(n), "SquaredGSeries: \(w.count) pair weights for \(n) units")
        guard let k = nodeIndex(rho), nu.isFinite, let patch = patch(k) else { return dense(rho: rho, pairWeights: w) }
        let delta = rho - patch.node
        let r = abs(delta) * patch.gamma
        guard r < 0.5 else { return dense(rho: rho, pairWeights: w) }
        let pairs = Self.pairCount(n)
        var inner = [Double](repeating: 0, count: Self.maximumOrder + 1)
        // ⟨H_s, w⟩ as Hᵀw with H the pairs × (K + 1) matrix of the planar layout, formed only as far as
        // the order the bound asks for: columns in blocks of `innerBlock` (a multiple of 4), each block
        // one `dgemv` — each column goes through the same kernel as in one product of all K + 1 columns
        // (OpenBLAS's transposed kernel takes columns four at a time, the last n mod 4 singly or in a
        // pair), so the same bits, reading a typical order 11's 12 matrices instead of all 17
        // (the planes are 5.3 MB at N = 280, streamed from memory every replication).
        var formed = 0
        func form(through order: Int) {
            guard order >= formed, pairs > 0 else { return }
            let end = min(Self.maximumOrder + 1, max(order + 1, formed + (formed == 0 ? 2 : 1) * Self.innerBlock))
            patch.h.withUnsafeBufferPointer { ph in
                w.withUnsafeBufferPointer { pw in
                    inner.withUnsafeMutableBufferPointer { pi in
                        cblas_dgemv(CblasColMajor, CblasTrans, Int32(pairs), Int32(end - formed), 1.0, ph.baseAddress! + formed * pairs,
                                    Int32(max(1, pairs)), pw.baseAddress, 1, 0.0, pi.baseAddress! + formed, 1)
                    }
                }
            }
            formed = end
        }
        for order in 0...Self.maximumOrder {
            form(through: order)
            let bound = Self.truncationBound(order: order, r: r, gamma: patch.gamma, nuclearBound: nu)
            var value = 0.0
            for s in stride(from: order, through: 0, by: -1) { value = value * delta + inner[s] }
            if bound <= Self.relativeTolerance * (value - bound) {
                Tally.shared.record(series: true)
                return Term(value: value, truncationBound: bound, method: .series(order: order, node: patch.node))
            }
        }
        return dense(rho: rho, pairWeights: w)
    }

    /// Σ_{i>j} S(ρ)_ij S(λ)_ij w_ij, the mixed cross-unit term of two parameters on the same W (the SAC's
    /// lag ρ and error λ with M = W), in O(N²) per call. With δ = ρ − ρ₀, ε = λ − λ₀ about the grid nodes
    /// nearest ρ and λ, S(ρ) = Σ_m δ^m A_m and S(λ) = Σ_n ε^n A'_n (A_m = S(ρ₀)^{m+1}, A'_n = S(λ₀)^{n+1},
    /// cached per node: `PowerPatch`), so the term is Σ_m δ^m ⟨A_m, w ∘ Σ_n ε^n A'_n⟩ — two
    /// matrix–vector products of the (K + 1) packed powers with the pairs, K = `maximumOrder` in both.
    /// Truncation certified as for `term`: ‖δ^m A_m‖₂ ≤ γr^m (r = |δ|γ), ‖ε^n A'_n‖₂ ≤ γ'r'^n, Schur's
    /// ‖X∘Y‖₂ ≤ ‖X‖₂‖Y‖₂ and |⟨X, Q⟩| ≤ ‖X‖₂ν give for the terms outside m, n ≤ K
    ///   |term − value| ≤ νγγ' [r^{K+1} + r'^{K+1} − r^{K+1} r'^{K+1}] / ((1 − r)(1 − r')).
    /// Accepted when that bound ≤ 1e-15 × (|value| − bound); otherwise the exact dense product
    /// (`denseMixed`), counted in `Tally` like `term`'s fallback.
    public func mixedTerm(rho: Double, lambda: Double, pairWeights w: [Double], nuclearBound nu: Double) -> Term {
        precondition(w.count == Self.pairCount(n), "SquaredGSeries: \(w.count) pair weights for \(n) units")
        guard nu.isFinite, let kr = nodeIndex(rho), let kl = nodeIndex(lambda),
              let pr = powerPatch(kr), let pl = kl == kr ? Optional(pr) : powerPatch(kl) else {
            return denseMixed(rho: rho, lambda: lambda, pairWeights: w)
        }
        let dr = rho - pr.node, dl = lambda - pl.node
        let r = abs(dr) * pr.gamma, rl = abs(dl) * pl.gamma
        guard r < 0.5, rl < 0.5 else { return denseMixed(rho: rho, lambda: lambda, pairWeights: w) }
        let kMax = Self.maximumOrder, pairs = Self.pairCount(n), orders = kMax + 1
        var powersOfL = [Double](repeating: 1, count: orders)
        for q in 1..<orders { powersOfL[q] = powersOfL[q - 1] * dl }
        var z = [Double](repeating: 0, count: pairs)
        var inner = [Double](repeating: 0, count: orders)
        pl.a.withUnsafeBufferPointer { pa in
            powersOfL.withUnsafeBufferPointer { pc in
                z.withUnsafeMutableBufferPointer { pz in
                    // S(λ)'s pairs to order K, then the weights.
                    cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(pairs), Int32(orders), 1.0, pa.baseAddress, Int32(max(1, pairs)),
                                pc.baseAddress, 1, 0.0, pz.baseAddress, 1)
                }
            }
        }
        for q in 0..<pairs { z[q] *= w[q] }
        pr.a.withUnsafeBufferPointer { pa in
            z.withUnsafeBufferPointer { pz in
                inner.withUnsafeMutableBufferPointer { pi in
                    cblas_dgemv(CblasColMajor, CblasTrans, Int32(pairs), Int32(orders), 1.0, pa.baseAddress, Int32(max(1, pairs)),
                                pz.baseAddress, 1, 0.0, pi.baseAddress, 1)
                }
            }
        }
        var value = 0.0
        for m in stride(from: kMax, through: 0, by: -1) { value = value * dr + inner[m] }
        let bound = Self.mixedTruncationBound(order: kMax, r: r, rLambda: rl, gamma: pr.gamma, gammaLambda: pl.gamma, nuclearBound: nu)
        guard bound <= Self.relativeTolerance * (abs(value) - bound) else { return denseMixed(rho: rho, lambda: lambda, pairWeights: w) }
        Tally.shared.record(series: true)
        return Term(value: value, truncationBound: bound, method: .series(order: kMax, node: pr.node))
    }

    /// νγγ' Σ over (m, n) outside [0, K]² of r^m r'^n.
    public static func mixedTruncationBound(order k: Int, r: Double, rLambda rl: Double, gamma: Double, gammaLambda gl: Double,
                                            nuclearBound nu: Double) -> Double {
        guard r < 1, rl < 1 else { return .infinity }
        let a = pow(r, Double(k + 1)), b = pow(rl, Double(k + 1))
        return nu * gamma * gl * (a + b - a * b) / ((1 - r) * (1 - rl))
    }

    /// The exact mixed term: S(ρ) and S(λ) by symmetric rank-k updates (2N³ multiply–adds), then the pairs.
    public func denseMixed(rho: Double, lambda: Double, pairWeights w: [Double]) -> Term {
        Tally.shared.record(series: false)
        let a = Matrix.scaledGram(vectors, weights: omega.map { $0 / (1 - rho * $0) }, mirrored: false)
        let b = Matrix.scaledGram(vectors, weights: omega.map { $0 / (1 - lambda * $0) }, mirrored: false)
        var value = 0.0, q = 0
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                for j in 0..<n {
                    for i in (j + 1)..<n {
                        value += ap[i + j * n] * bp[i + j * n] * w[q]
                        q += 1
                    }
                }
            }
        }
        return Term(value: value, truncationBound: 0, method: .dense)
    }

    /// νγ² Σ_{s>K} (s + 1) r^s.
    public static func truncationBound(order k: Int, r: Double, gamma: Double, nuclearBound nu: Double) -> Double {
        guard r < 1 else { return .infinity }
        let kd = Double(k)
        return nu * gamma * gamma * pow(r, kd + 1) * ((kd + 2) - (kd + 1) * r) / ((1 - r) * (1 - r))
    }

    /// The exact term: S(ρ) by two symmetric rank-k updates (N³ multiply–adds), then the pairs.
    public func dense(rho: Double, pairWeights w: [Double]) -> Term {
        Tally.shared.record(series: false)
        let s = Matrix.scaledGram(vectors, weights: omega.map { $0 / (1 - rho * $0) }, mirrored: false)
        var value = 0.0, q = 0
        s.data.withUnsafeBufferPointer { sp in
            for j in 0..<n {
                for i in (j + 1)..<n {
                    let a = sp[i + j * n]
                    value += a * a * w[q]
                    q += 1
                }
            }
        }
        return Term(value: value, truncationBound: 0, method: .dense)
    }

    /// The strictly lower triangle of a symmetric N × N matrix, column by column: the layout of the pair weights.
    public static func packLower(_ m: Matrix, transform: (Double) -> Double = { $0 }) -> [Double] {
        let count = pairCount(m.rows)
        // Uninitialised: `packLower(_:into:transform:)` writes every one of the `count` slots before anything reads them.
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialised in
            if let base = buffer.baseAddress { packLower(m, into: base, transform: transform) }
            initialised = count
        }
    }

    /// Writes the N(N − 1)/2 values of `packLower` to `out`, each slot exactly once: the pair (i, j), i > j,
    /// to slot q = Σ_{c<j} (N − 1 − c) + (i − j − 1), which runs through 0…N(N − 1)/2 − 1 in order.
    static func packLower(_ m: Matrix, into out: UnsafeMutablePointer<Double>, transform: (Double) -> Double = { $0 }) {
        let n = m.rows
        var q = 0
        m.data.withUnsafeBufferPointer { mp in
            for j in 0..<n {
                for i in (j + 1)..<n {
                    out[q] = transform(mp[i + j * n])
                    q += 1
                }
            }
        }
    }

    /// The cluster sandwich's pair weights and their bound from N × T residuals `e` (time-major, unit i of
    /// period t at t·N + i): w_ij = 2P_ij² (i > j, packed as `packLower`) for P = EEᵀ, and ν = 2 Σ_i P_ii² ≥ the
    /// nuclear norm of P∘P off its diagonal (P∘P is positive semi-definite with trace Σ_i P_ii²; taking off
    /// the diagonal keeps the norm within it). P's lower triangle by the `dsyrk` of `Matrix.outerProduct`,
    /// packed from it as it stands: the same values as `packLower(e.outerProduct()) { 2 * $0 * $0 }`,
    /// without mirroring P onto its upper triangle or calling a closure per pair.
    public static func clusterPairWeights(residuals e: [Double], n: Int, t: Int) -> (pairWeights: [Double], nuclearBound: Double) {
        precondition(e.count == n * t, "clusterPairWeights: \(e.count) residuals for \(n) units × \(t) periods")
        NumericsRuntime.ensureInitialised()
        let count = pairCount(n)
        guard n > 0 else { return ([], 0) }
        // P's lower triangle (and diagonal) in scratch memory, written by `dsyrk` and read: the strict upper
        // triangle is never touched, and nothing is zeroed first.
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n * n) { scratch in
            let products = scratch.baseAddress!
            // With β = 0 dsyrk sets the lower triangle without reading it (BLAS: C need not be set on input);
            // only T = 0 leaves it to be zeroed here.
            if t == 0 { for j in 0..<n { (products + j * n + j).initialize(repeating: 0, count: n - j) } }
            if t > 0 {
                e.withUnsafeBufferPointer { pe in
                    // The lower triangle by the packed 512-bit kernel where it gives dsyrk's bits (`PackedOperand.lowerGram`).
                    guard !PackedOperand.lowerGram(pe.baseAddress!, n: n, t: t, into: products) else { return }
                    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(n), Int32(t), 1.0, pe.baseAddress, Int32(n),
                                0.0, products, Int32(n))
                }
            }
            let w = [Double](unsafeUninitializedCapacity: count) { out, initialised in
                var q = 0
                for j in 0..<n {
                    let column = products + j * n
                    for i in (j + 1)..<n {
                        let x = column[i]
                        out[q] = 2 * x * x
                        q += 1
                    }
                }
                initialised = count
            }
            var trace = 0.0
            for i in 0..<n { trace += products[i + i * n] * products[i + i * n] }
            return (w, 2 * trace)
        }
    }

    /// Pair weights m_ij + m_ji (i > j) of a square N × N matrix, column by column as `packLower`: for a
    /// term symmetric in (i, j), Σ_{i≠j} f_ij m_ij = Σ_{i>j} f_ij (m_ij + m_ji).
    public static func packPairSums(_ m: Matrix) -> [Double] {
        let n = m.rows
        precondition(m.cols == n, "packPairSums: a \(m.rows)×\(m.cols) matrix is not square")
        var out = [Double](repeating: 0, count: pairCount(n))
        var q = 0
        m.data.withUnsafeBufferPointer { mp in
            for j in 0..<n {
                for i in (j + 1)..<n {
                    out[q] = mp[i + j * n] + mp[j + i * n]
                    q += 1
                }
            }
        }
        return out
    }

    // MARK: - Nodes

    private func psi(_ rho: Double) -> Double { log((rho - lower) / (upper - rho)) }

    /// The grid node nearest ρ in ψ, nil outside the interval of the poles (or for a spectrum without both signs).
    func nodeIndex(_ rho: Double) -> Int? {
        guard lower < 0, upper > 0, lower.isFinite, upper.isFinite, rho > lower, rho < upper else { return nil }
        let x = (psi(rho) / Self.gridStep).rounded()
        guard x.isFinite, abs(x) < 1e6 else { return nil }
        return Int(x)
    }

    func nodeValue(_ k: Int) -> Double {
        let e = exp(Double(k) * Self.gridStep)
        return (lower + upper * e) / (1 + e)
    }

    /// Node k, built outside the lock on a miss so that another worker asking for a cached (or another)
    /// node does not wait up to a node's build. A worker that misses a node another worker is building
    /// waits for that build instead of repeating it (it would compute the same bits: a node is a function
    /// of (W's spectrum, k) alone — the same arithmetic in the same order, no shared state read but the
    /// power patch of that node, itself the same bits). It is stored once: the build stored is kept and
    /// returned to every caller, so results cannot depend on which worker built it.
    private func patch(_ k: Int) -> Patch? { builtOnce(\.patches, k) { buildPatch(k) } }

    /// As `patch`: built outside the lock, identical bits whichever worker builds it, stored once.
    private func powerPatch(_ k: Int) -> PowerPatch? {
        builtOnce(\.powerPatches, k) {
            nodePowers(k).map { PowerPatch(node: $0.node, gamma: $0.gamma, a: $0.powers) }
        }
    }

    /// The value of node k in `store`: the cached one (marked most recently used), the one another worker
    /// is building (waited for), or built by `build` outside the lock and stored — unless another worker
    /// stored it meanwhile, whose value is returned.
    private func builtOnce<Value>(_ store: ReferenceWritableKeyPath<SquaredGSeries, RecentlyUsed<Value>>, _ k: Int,
                                  _ build: () -> Value?) -> Value? {
        let key = BuildKey(store: store, node: k)
        lock.lock()
        while true {
            if let hit = self[keyPath: store].use(k) { lock.unlock(); return hit }
            guard building.contains(key) else { break }
            lock.wait()
        }
        building.insert(key)
        lock.unlock()
        let start = DispatchTime.now().uptimeNanoseconds
        let made = build()
        if made != nil { Tally.shared.recordBuild(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return locked {
            building.remove(key)
            lock.broadcast()
            return made.map { self[keyPath: store].keep(k, $0) }
        }
    }

    private func locked<R>(_ body: () -> R) -> R {
        lock.lock(); defer { lock.unlock() }
        return body()
    }

    /// The node, γ = ‖S₀‖₂ and A_m = S₀^{m+1} = V diag(g₀^{m+1}) Vᵀ packed, m = 0…K (one rank-k update
    /// each), planar in one buffer (A_0's pairs, then A_1's, …).
    private func nodePowers(_ k: Int) -> (node: Double, gamma: Double, powers: [Double])? {
        let node = nodeValue(k)
        let g0 = omega.map { $0 / (1 - node * $0) }
        let gamma = g0.reduce(0) { max($0, abs($1)) }
        guard gamma.isFinite, gamma > 0 else { return nil }
        let pairs = Self.pairCount(n), orders = Self.maximumOrder + 1
        var g = g0
        // Uninitialised: iteration m writes block m, slots [m·pairs, (m + 1)·pairs), each exactly once
        // (`packLower(_:into:)`); the blocks tile the buffer and nothing reads it inside the closure.
        let powers = [Double](unsafeUninitializedCapacity: orders * pairs) { buffer, initialised in
            if let base = buffer.baseAddress {
                for m in 0..<orders {
                    if m > 0 { for a in 0..<n { g[a] *= g0[a] } }
                    Self.packLower(Matrix.scaledGram(vectors, weights: g, mirrored: false), into: base + m * pairs)
                }
            }
            initialised = orders * pairs
        }
        return (node, gamma, powers)
    }

    /// A_m = S₀^{m+1} = V diag(g₀^{m+1}) Vᵀ for m = 0…K (one rank-k update each), then
    /// H_s = Σ_{m+n=s} A_m ∘ A_n pair by pair.
    private func buildPatch(_ k: Int) -> Patch? {
        let kMax = Self.maximumOrder, pairs = Self.pairCount(n), orders = kMax + 1
        // The powers of a node `mixedTerm` already built are the same bits `nodePowers` would compute.
        let cachedPowers = locked { powerPatches.peek(k) }
        guard let built = cachedPowers.map({ (node: $0.node, gamma: $0.gamma, powers: $0.a) }) ?? nodePowers(k) else { return nil }
        let (node, gamma, powers) = built
        // Uninitialised: block s, slots [s·pairs, (s + 1)·pairs), is first assigned by its m = 0 term (m runs
        // from 0 for every s) and only then accumulated into; the blocks tile the buffer. The first term is
        // stored as 0.0 + x, the same bits as the former zero-filled `+=` (a −0 product becomes +0).
        let h = [Double](unsafeUninitializedCapacity: orders * pairs) { hp, initialised in
            powers.withUnsafeBufferPointer { pp in
                guard let out0 = hp.baseAddress, let p0 = pp.baseAddress else { return }
                for s in 0...kMax {
                    let out = out0 + s * pairs
                    for m in 0...(s / 2) {
                        let a = p0 + m * pairs, b = p0 + (s - m) * pairs
                        let factor: Double = 2 * m != s ? 2 : 1
                        Self.accumulateProducts(out, a, b, count: pairs, factor: factor, first: m == 0)
                    }
                }
            }
            initialised = orders * pairs
        }
        return Patch(node: node, gamma: gamma, h: h)
    }

    /// out[q] = (first ? 0.0 : out[q]) + factor · a[q] · b[q] for q < count, four lanes at a time: each
    /// lane does the scalar loop's operations in its order ((factor · a) · b, then the add; no fused
    /// multiply–add), so the values are the scalar loop's bits.
    @inline(__always)
    private static func accumulateProducts(_ out: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                           count: Int, factor: Double, first: Bool) {
        let f = SIMD4<Double>(repeating: factor), zero = SIMD4<Double>(repeating: 0)
        let rawOut = UnsafeMutableRawPointer(out), rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        let stride = MemoryLayout<Double>.stride
        var q = 0
        while q + 4 <= count {
            let product = f * rawA.loadUnaligned(fromByteOffset: q * stride, as: SIMD4<Double>.self)
                * rawB.loadUnaligned(fromByteOffset: q * stride, as: SIMD4<Double>.self)
            let previous = first ? zero : rawOut.loadUnaligned(fromByteOffset: q * stride, as: SIMD4<Double>.self)
            rawOut.storeBytes(of: previous + product, toByteOffset: q * stride, as: SIMD4<Double>.self)
            q += 4
        }
        while q < count {
            out[q] = (first ? 0.0 : out[q]) + factor * a[q] * b[q]
            q += 1
        }
    }

    // MARK: - Counting

    /// How many terms were computed by the series and how many by the dense fallback, and how many
    /// nodes were built (with their time), process-wide — for `bench` and the tests; no result reads it.
    public final class Tally: @unchecked Sendable {
        public static let shared = Tally()
        private let lock = NSLock()
        private var seriesCount = 0, denseCount = 0, builds = 0, buildTime = 0.0

        func record(series: Bool) {
            lock.lock(); defer { lock.unlock() }
            if series { seriesCount += 1 } else { denseCount += 1 }
        }

        func recordBuild(seconds: Double) {
            lock.lock(); defer { lock.unlock() }
            builds += 1
            buildTime += seconds
        }

        public var counts: (series: Int, dense: Int) {
            lock.lock(); defer { lock.unlock() }
            return (seriesCount, denseCount)
        }

        /// Nodes built and the wall seconds they took.
        public var nodes: (count: Int, seconds: Double) {
            lock.lock(); defer { lock.unlock() }
            return (builds, buildTime)
        }
    }
}

/// Values by node index, at most `capacity` of them, the least recently used dropped first.
struct RecentlyUsed<Value> {
    let capacity: Int
    private var values: [Int: Value] = [:]
    private var order: [Int] = []   // least recently used first

    init(capacity: Int) { self.capacity = capacity }

    /// The value of k, without marking it used.
    func peek(_ k: Int) -> Value? { values[k] }

    /// The value of k, marked most recently used; nil if it is not held.
    mutating func use(_ k: Int) -> Value? {
        guard let hit = values[k] else { return nil }
        order.removeAll { $0 == k }
        order.append(k)
        return hit
    }

    /// Keeps `made` as k's value unless k is already held, whose value (marked used) is returned
    /// instead, so every caller gets the one stored; then drops the least recently used beyond `capacity`.
    mutating func keep(_ k: Int, _ made: Value) -> Value {
        if let stored = use(k) { return stored }
        values[k] = made
        order.append(k)
        while order.count > capacity { values[order.removeFirst()] = nil }
        return made
    }
}
