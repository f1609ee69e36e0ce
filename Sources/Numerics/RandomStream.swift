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

private func xoshiroNext(_ p: UnsafeMutableRawPointer) -> UInt64 {
    xoshiroNext(p.assumingMemoryBound(to: XoshiroState.self))
}

@inline(__always) private func xoshiroNext(_ st: UnsafeMutablePointer<XoshiroState>) -> UInt64 {
    xoshiroNext(&st.pointee.s)
}

/// One step on a state held in registers (the bulk samplers keep it out of memory between draws).
@inline(__always) private func xoshiroNext(_ s: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
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
///
/// The uniform, raw-bit and normal draws advance the xoshiro state inside the handle directly,
/// without GSL's indirect call per draw: the same arithmetic as GSL's `gsl_rng_get`,
/// `gsl_rng_uniform(_pos)` and `gsl_ran_gaussian_ziggurat` on this generator type, so the same
/// values in the same order (`Ziggurat`; RandomStreamTests compares them bit for bit). The other
/// samplers (t, gamma, exponential) call GSL on the same state, so any mix of calls keeps one sequence.
public final class RandomStream {
    public let id: StreamID
    private let rng: UnsafeMutablePointer<gsl_rng>
    /// The xoshiro state inside `rng` (allocated by `gsl_rng_alloc` with our type's size).
    private let state: UnsafeMutablePointer<XoshiroState>
    /// GSL's ziggurat strips as read from GSL (`Ziggurat.strips`: shared, never freed).
    private let strips: UnsafePointer<Ziggurat.Strip>

    public init(_ id: StreamID) {
        NumericsRuntime.ensureInitialised()
        self.id = id
        // gsl_rng_alloc only fails on out-of-memory, which Swift treats as fatal anyway.
        rng = gsl_rng_alloc(xoshiroTypeStorage)!
        gsl_rng_set(rng, UInt(id.key))
        state = rng.pointee.state.assumingMemoryBound(to: XoshiroState.self)
        strips = Ziggurat.strips
    }

    public convenience init(seed: UInt64, cell: Int = 0, replication: Int = 0, purpose: UInt64 = 0) {
        self.init(StreamID(seed: seed, cell: cell, replication: replication, purpose: purpose))
    }

    deinit { gsl_rng_free(rng) }

    /// 64 uniformly random bits (`gsl_rng_get`: our type's `get`, min 0).
    @inline(__always) public func nextBits() -> UInt64 { xoshiroNext(state) }

    /// Uniform on [0, 1) (`gsl_rng_uniform`: our type's `get_double`).
    @inline(__always) public func uniform() -> Double { Double(xoshiroNext(state) >> 11) * 0x1.0p-53 }

    /// Uniform on (0, 1) (`gsl_rng_uniform_pos`: `get_double` until it is not 0).
    public func uniformPositive() -> Double {
        while true {
            let x = uniform()
            if x != 0 { return x }
        }
    }

    public func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

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
        var s = state.pointee.s   // held in registers between draws
        out.withUnsafeMutableBufferPointer { o in
            for k in 0..<count {
                while true {
                    let x = xoshiroNext(&s)
                    if x < limit { o[k] = Int(remainder.of(x)); break }
                }
            }
        }
        state.pointee.s = s
    }

    /// Standard normal by GSL's ziggurat (`gsl_ran_gaussian_ziggurat(r, 1)`). The ≈ 99 % of draws
    /// the ziggurat accepts from the one 64-bit word are taken here, from GSL's own strips
    /// (`Ziggurat`); for the others the state is put back and GSL draws, from the same word on.
    @inline(__always) public func normal() -> Double { Ziggurat.draw(rng, state, strips) }

    public func normal(mean: Double, sd: Double) -> Double { mean + sd * normal() }

    /// GSL's own samplers on this stream's state, for RandomStreamTests to hold the inline draws to.
    func gslNormal() -> Double { gsl_ran_gaussian_ziggurat(rng, 1.0) }
    func gslUniform() -> Double { gsl_rng_uniform(rng) }
    func gslUniformPositive() -> Double { gsl_rng_uniform_pos(rng) }
    func gslBits() -> UInt64 { UInt64(gsl_rng_get(rng)) }

    public func normals(_ n: Int, sd: Double = 1) -> [Double] {
        [Double](unsafeUninitializedCapacity: n) { buffer, count in
            fillNormals(n) { k, z in buffer[k] = sd * z }
            count = n
        }
    }

    /// `count` draws of `normal(mean:sd:)` into `out` (replacing its contents; no allocation when it
    /// already holds `count`): the same values in the same order, for loops that draw a block per period.
    public func normals(_ count: Int, mean: Double, sd: Double, into out: inout [Double]) {
        if out.count != count { out = [Double](repeating: 0, count: count) }
        out.withUnsafeMutableBufferPointer { b in fillNormals(count) { k, z in b[k] = mean + sd * z } }
    }

    /// `count` standard normals, the k-th handed to `use(k, z)`: `normal()`'s draws with the state
    /// held in registers between them (stored back around GSL's draws and at the end).
    @inline(__always) private func fillNormals(_ count: Int, _ use: (Int, Double) -> Void) {
        var s = state.pointee.s
        let strips = self.strips
        var k = 0
        while k < count {
            let saved = s
            if let z = Ziggurat.accepted(xoshiroNext(&s), strips) {
                use(k, z)
            } else {
                state.pointee.s = saved
                use(k, gsl_ran_gaussian_ziggurat(rng, 1.0))
                s = state.pointee.s
            }
            k += 1
        }
        state.pointee.s = s
    }

    /// Student t with `df` degrees of freedom.
    public func studentT(df: Double) -> Double { gsl_ran_tdist(rng, df) }

    public func gamma(shape: Double, scale: Double) -> Double { gsl_ran_gamma(rng, shape, scale) }

    public func exponential(mean: Double) -> Double { gsl_ran_exponential(rng, mean) }

    public func bernoulli(_ p: Double) -> Bool { uniform() < p }

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


/// GSL's ziggurat normal sampler (`gsl_ran_gaussian_ziggurat`; Marsaglia & Tsang 2000, 128 strips)
/// as GSL runs it on a generator with a 64-bit range: one word k gives the sign (bit 7), the strip
/// i (bits 0–6) and j (bits 8–31); when j < k_i the draw is ±j·w_i at once (≈ 99 % of draws),
/// otherwise a wedge or tail test takes more uniforms and may start again.
///
/// The strips' k_i and w_i are GSL's own numbers, read from GSL rather than copied: a probe
/// generator hands `gsl_ran_gaussian_ziggurat` a chosen first word and counts what it asks for
/// next. With j = 1 the answer is w_i itself; the least j for which GSL asks for another number is
/// k_i (a binary search over 24 bits per strip, once per process). A check then draws 20,000
/// normals both ways from one seed; should any bit differ (a GSL that samples otherwise), every
/// strip is left to GSL (`isInline` false) and the draws are GSL's as before.
enum Ziggurat {
    struct Strip {
        /// Draws with j below this are accepted at once (GSL's k_i; 0: always left to GSL).
        var limit: UInt64
        /// GSL's w_i: the accepted draw is ±j·w_i.
        var width: Double
    }

    /// The 128 strips (allocated once, never freed).
    static let strips: UnsafePointer<Strip> = build()

    /// Whether the strips were found and checked, so that most draws skip GSL.
    static var isInline: Bool { (0..<128).contains { strips[$0].limit > 0 } }

    /// One standard normal from `state` (the xoshiro state inside `rng`): the accepted draws here,
    /// the others by GSL from the same word on (the state is put back first).
    @inline(__always) fileprivate static func draw(_ rng: UnsafeMutablePointer<gsl_rng>, _ state: UnsafeMutablePointer<XoshiroState>,
                                                   _ strips: UnsafePointer<Strip>) -> Double {
        let saved = state.pointee
        if let z = accepted(xoshiroNext(state), strips) { return z }
        state.pointee = saved
        return gsl_ran_gaussian_ziggurat(rng, 1.0)
    }

    /// GSL's draw from the word w when the ziggurat accepts it at once (j < k_i), else nil.
    @inline(__always) fileprivate static func accepted(_ w: UInt64, _ strips: UnsafePointer<Strip>) -> Double? {
        let strip = strips[Int(truncatingIfNeeded: w & 0x7F)]
        let j = (w >> 8) & 0xFF_FFFF
        guard j < strip.limit else { return nil }
        let x = Double(j) * strip.width
        // GSL returns sign · σ · x with σ = 1: exactly x, or −x when bit 7 is clear — the sign bit
        // flipped without a branch (the sign is a coin toss, so a branch would miss half the time).
        return Double(bitPattern: x.bitPattern ^ ((~w & 0x80) << 56))
    }

    private static func build() -> UnsafePointer<Strip> {
        NumericsRuntime.ensureInitialised()
        let table = UnsafeMutablePointer<Strip>.allocate(capacity: 128)
        table.initialize(repeating: Strip(limit: 0, width: 0), count: 128)
        let probe = gsl_rng_alloc(probeTypeStorage)!
        defer { gsl_rng_free(probe) }
        let st = probe.pointee.state.assumingMemoryBound(to: ProbeState.self)
        /// GSL's draw when its first word is k, and how many numbers it asked for.
        func run(_ k: UInt64) -> (value: Double, calls: Int) {
            st.pointee = ProbeState(first: k, calls: 0)
            let v = gsl_ran_gaussian_ziggurat(probe, 1.0)
            return (v, st.pointee.calls)
        }
        func word(_ i: UInt64, _ j: UInt64) -> UInt64 { j << 8 | 0x80 | i }
        func accepted(_ i: UInt64, _ j: UInt64) -> Bool { run(word(i, j)).calls == 1 }
        for i in UInt64(0)..<128 where accepted(i, 1) {   // k_i ≤ 1: the strip stays with GSL
            let w = run(word(i, 1)).value
            guard w.isFinite, w > 0 else { continue }
            // accepted(lo) holds; every j ≥ hi is not accepted (or j = 2²⁴ is out of range).
            var lo: UInt64 = 1, hi: UInt64 = 1 << 24
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if accepted(i, mid) { lo = mid } else { hi = mid }
            }
            table[Int(i)] = Strip(limit: hi, width: w)
        }
        if !agreesWithGSL(table) {
            for i in 0..<128 { table[i].limit = 0 }
        }
        return UnsafePointer(table)
    }

    /// 20,000 draws from one seed by GSL and by `draw` with `table`: the same bits, and the same state after.
    private static func agreesWithGSL(_ table: UnsafePointer<Strip>) -> Bool {
        let a = gsl_rng_alloc(xoshiroTypeStorage)!, b = gsl_rng_alloc(xoshiroTypeStorage)!
        defer { gsl_rng_free(a); gsl_rng_free(b) }
        gsl_rng_set(a, 0x5EED_2026); gsl_rng_set(b, 0x5EED_2026)
        let sb = b.pointee.state.assumingMemoryBound(to: XoshiroState.self)
        for _ in 0..<20_000 where gsl_ran_gaussian_ziggurat(a, 1.0).bitPattern != draw(b, sb, table).bitPattern {
            return false
        }
        return gsl_rng_get(a) == gsl_rng_get(b)
    }
}

/// The probe generator's state: the first word to hand out and how many numbers were asked for.
private struct ProbeState {
    var first: UInt64
    var calls: Int
}

private let probeName: UnsafePointer<CChar> = UnsafePointer(strdup("spillsim-ziggurat-probe")!)

/// A generator type with xoshiro's range whose first word is set by hand; every later word is 0x80
/// (strip 0, j = 0: x = 0, which the ziggurat accepts at once or by its wedge test, y < 1), so GSL's
/// loop always ends. Uniforms are 1/2.
private let probeTypeStorage: UnsafeMutablePointer<gsl_rng_type> = {
    let t = UnsafeMutablePointer<gsl_rng_type>.allocate(capacity: 1)
    t.initialize(to: gsl_rng_type(
        name: probeName,
        max: UInt.max,
        min: 0,
        size: MemoryLayout<ProbeState>.size,
        set: { p, _ in p!.assumingMemoryBound(to: ProbeState.self).pointee = ProbeState(first: 0x80, calls: 0) },
        get: { p in
            let st = p!.assumingMemoryBound(to: ProbeState.self)
            st.pointee.calls += 1
            return st.pointee.calls == 1 ? UInt(st.pointee.first) : 0x80
        },
        get_double: { p in
            p!.assumingMemoryBound(to: ProbeState.self).pointee.calls += 1
            return 0.5
        }))
    return t
}()
