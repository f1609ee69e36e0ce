import CGSL
import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator used here only to
/// expand and mix seeds. Its output function is a strong 64-bit bijective mixer.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(_ seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Identifies one independent random stream: everything random in spillsim is
/// drawn from a stream named by (scenario seed, design cell, replication,
/// purpose). Nothing depends on thread count, scheduling or shard layout,
/// because a replication's stream is a pure function of these four numbers.
public struct StreamID: Hashable, Sendable, CustomStringConvertible {
    public let seed: UInt64
    public let cell: UInt64
    public let replication: UInt64
    /// Separates independent uses inside one replication (data generation,
    /// simulation-based inference, matching tie-breaks, …).
    public let purpose: UInt64

    public init(seed: UInt64, cell: Int = 0, replication: Int = 0, purpose: UInt64 = 0) {
        self.seed = seed
        self.cell = UInt64(cell)
        self.replication = UInt64(replication)
        self.purpose = purpose
    }

    /// A stream whose replication field is a 64-bit key rather than an index (a name's hash:
    /// the bootstrap MCSE streams are keyed by the estimator's name, `CellResults.measures`).
    public init(seed: UInt64, cell: Int, replicationKey: UInt64, purpose: UInt64) {
        self.seed = seed
        self.cell = UInt64(cell)
        self.replication = replicationKey
        self.purpose = purpose
    }

    /// A 64-bit key obtained by chaining SplitMix64's mixer over the four fields.
    /// Each field enters through a distinct odd multiplier so that permuting
    /// fields gives a different key.
    public var key: UInt64 {
        var h = SplitMix64.mix(seed &+ 0x243F_6A88_85A3_08D3)
        h = SplitMix64.mix(h ^ (cell &* 0x9E37_79B9_7F4A_7C15 &+ 0x1319_8A2E_0370_7344))
        h = SplitMix64.mix(h ^ (replication &* 0xC2B2_AE3D_27D4_EB4F &+ 0xA409_3822_299F_31D0))
        h = SplitMix64.mix(h ^ (purpose &* 0x1656_67B1_9E37_79F9 &+ 0x082E_FA98_EC4E_6C89))
        return h
    }

    public var description: String { "seed=\(seed)/cell=\(cell)/rep=\(replication)/purpose=\(purpose)" }
}

// xoshiro256** (Blackman & Vigna 2018) plugged into GSL as a generator type,
// so GSL's samplers (ziggurat normal, t, gamma, …) draw from a generator whose
// full 256-bit state is set from a 64-bit key. GSL's own generators accept
// only 32 bits of seed, which would make stream collisions likely over
// millions of (cell, replication) pairs.
private struct XoshiroState {
    var s: (UInt64, UInt64, UInt64, UInt64)
}

@inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

/// One step of xoshiro256**: the output, and the state advanced.
@inline(__always) private func xoshiroStep(_ s: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
    let result = rotl(s.1 &* 5, 7) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = rotl(s.3, 45)
    return result
}

private func xoshiroNext(_ p: UnsafeMutableRawPointer) -> UInt64 {
    let st = p.assumingMemoryBound(to: XoshiroState.self)
    return xoshiroStep(&st.pointee.s)
}

private func xoshiroSeed(_ p: UnsafeMutableRawPointer, _ key: UInt64) {
    var sm = SplitMix64(key)
    let st = p.assumingMemoryBound(to: XoshiroState.self)
    st.pointee.s = (sm.next(), sm.next(), sm.next(), sm.next())
}

private let xoshiroName: UnsafePointer<CChar> = UnsafePointer(strdup("xoshiro256starstar")!)

private let xoshiroTypeStorage: UnsafeMutablePointer<gsl_rng_type> = {
    let t = UnsafeMutablePointer<gsl_rng_type>.allocate(capacity: 1)
    t.initialize(to: gsl_rng_type(
        name: xoshiroName,
        max: UInt.max,
        min: 0,
        size: MemoryLayout<XoshiroState>.size,
        set: { p, seed in xoshiroSeed(p!, UInt64(seed)) },
        get: { p in UInt(xoshiroNext(p!)) },
        get_double: { p in Double(xoshiroNext(p!) >> 11) * 0x1.0p-53 }))
    return t
}()

/// One random stream: a GSL generator handle owned by this object, freed in `deinit`.
/// Not thread-safe by design: each replication owns its streams.
public final class RandomStream {
    public let id: StreamID
    private let rng: UnsafeMutablePointer<gsl_rng>

    public init(_ id: StreamID) {
        NumericsRuntime.ensureInitialised()
        self.id = id
        // gsl_rng_alloc only fails on out-of-memory, which Swift treats as fatal anyway.
        rng = gsl_rng_alloc(xoshiroTypeStorage)!
        gsl_rng_set(rng, UInt(id.key))
    }

    public convenience init(seed: UInt64, cell: Int = 0, replication: Int = 0, purpose: UInt64 = 0) {
        self.init(StreamID(seed: seed, cell: cell, replication: replication, purpose: purpose))
    }

    deinit { gsl_rng_free(rng) }

    /// 64 uniformly random bits.
    public func nextBits() -> UInt64 { UInt64(gsl_rng_get(rng)) }

    /// Uniform on [0, 1).
    public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// Uniform on (0, 1).
    public func uniformPositive() -> Double { gsl_rng_uniform_pos(rng) }

    public func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * gsl_rng_uniform(rng) }

    /// Uniform integer in 0..<n.
    public func integer(below n: Int) -> Int {
        precondition(n > 0)
        // Lemire-free simple rejection keeps the draw unbiased for any n.
        let bound = UInt64(n)
        let limit = UInt64.max - (UInt64.max % bound)
        while true {
            let x = nextBits()
            if x < limit { return Int(x % bound) }
        }
    }

    /// `count` uniform integers in 0..<n into `out` (replacing its contents): the same draws, in
    /// the same order, as `count` calls of `integer(below:)`, with the rejection limit computed once.
    /// The generator is stepped here, inline, on a local copy of its state (written back at the end)
    /// rather than through GSL's function pointer per draw: the same xoshiro256** steps `nextBits`
    /// takes, so the same bits (the bootstrap MCSEs draw 150,000 of them per estimand).
    public func integers(below n: Int, count: Int, into out: inout [Int]) {
        precondition(n > 0 && count >= 0)
        let bound = UInt64(n)
        let limit = UInt64.max - (UInt64.max % bound)
        let remainder = ExactRemainder(bound)
        if out.count != count { out = [Int](repeating: 0, count: count) }
        let state = rng.pointee.state.assumingMemoryBound(to: XoshiroState.self)
        var s = state.pointee.s
        out.withUnsafeMutableBufferPointer { o in
            for k in 0..<count {
                while true {
                    let x = xoshiroStep(&s)
                    if x < limit { o[k] = Int(remainder.of(x)); break }
                }
            }
        }
        state.pointee.s = s
    }

    /// Standard normal by GSL's ziggurat.
    public func normal() -> Double { gsl_ran_gaussian_ziggurat(rng, 1.0) }

    public func normal(mean: Double, sd: Double) -> Double { mean + sd * gsl_ran_gaussian_ziggurat(rng, 1.0) }

    public func normals(_ n: Int, sd: Double = 1) -> [Double] { (0..<n).map { _ in sd * normal() } }

    /// Student t with `df` degrees of freedom.
    public func studentT(df: Double) -> Double { gsl_ran_tdist(rng, df) }

    public func gamma(shape: Double, scale: Double) -> Double { gsl_ran_gamma(rng, shape, scale) }

    public func exponential(mean: Double) -> Double { gsl_ran_exponential(rng, mean) }

    public func bernoulli(_ p: Double) -> Bool { gsl_rng_uniform(rng) < p }

    /// Fisher–Yates shuffle driven by this stream.
    public func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, integer(below: i + 1))
        }
    }

    /// Draws from N(mean, Σ) given a lower Cholesky factor L of Σ.
    public func multivariateNormal(mean: [Double], choleskyLower l: Matrix) -> [Double] {
        let z = normals(mean.count)
        var x = mean
        for i in 0..<mean.count {
            var s = 0.0
            for j in 0...i { s += l[i, j] * z[j] }
            x[i] += s
        }
        return x
    }
}

/// x mod d without a division instruction (a 64-bit `div` costs tens of cycles; the bootstrap
/// of the performance measures reduces millions of draws by one d): Lemire, Kaser & Kurz (2019),
/// "Faster remainder by direct computation", Software: Practice and Experience 49:953, Theorem 1
/// with N = 64 and F = 128 fractional bits: with c = ⌈2¹²⁸/d⌉, x mod d = ⌊((c·x) mod 2¹²⁸)·d / 2¹²⁸⌋
/// exactly for every 64-bit x. Equal to `x % d`, so the draws do not change.
struct ExactRemainder {
    let d: UInt64
    /// c = ⌈2¹²⁸/d⌉ = ⌊(2¹²⁸ − 1)/d⌋ + 1 as (high, low) words; unused for d = 1.
    let cHigh: UInt64, cLow: UInt64

    init(_ d: UInt64) {
        precondition(d > 0)
        self.d = d
        guard d > 1 else { cHigh = 0; cLow = 0; return }
        // (2¹²⁸ − 1)/d by long division in two 64-bit digits.
        let qHigh = UInt64.max / d, rHigh = UInt64.max % d
        let (qLow, _) = d.dividingFullWidth((high: rHigh, low: UInt64.max))
        let (low, carry) = qLow.addingReportingOverflow(1)
        cLow = low
        cHigh = qHigh &+ (carry ? 1 : 0)
    }

    @inline(__always) func of(_ x: UInt64) -> UInt64 {
        guard d > 1 else { return 0 }
        // (c·x) mod 2¹²⁸.
        let (h, l) = cLow.multipliedFullWidth(by: x)
        let fracHigh = h &+ cHigh &* x, fracLow = l
        // ⌊(frac · d) / 2¹²⁸⌋: the top word of the 192-bit product.
        let (a1, _) = fracLow.multipliedFullWidth(by: d)
        let (b1, b0) = fracHigh.multipliedFullWidth(by: d)
        let (_, carry) = a1.addingReportingOverflow(b0)
        return b1 &+ (carry ? 1 : 0)
    }
}

