import Foundation
import Numerics

/// Digital-technology diffusion (MODEL.md §2.4):
///   D_it = D_i,t−1 + κ_g (D*_it (1 + π_T 1[i integrated at t]) − D_i,t−1)
///          + ψ Σ_j v_ij (1 + π_I 1[i, j integrated at t]) (D_j,t−1 − D_i,t−1) + e_it,
/// with the national logistic trend D*_t = level / (1 + exp(−rate (year − mid))), centres' targets
/// raised by D*_it = D*_t (1 + premium · exp(−dist_i / decay)), and v_ij ∝ exp(−d_ij / decay)
/// row-standardised. "Integrated at t" means both cities treated and adopted by year t.
enum Digital {
    /// Shocks drawn once and shared by both worlds (common random numbers).
    struct Shocks { let initial: [Double]; let innovations: [Double] }

    static func drawShocks(_ s: DigitalSpec, n: Int, periods: Int, stream: RandomStream) -> Shocks {
        Shocks(initial: stream.normals(n, sd: s.initialSd), innovations: stream.normals(n * periods, sd: s.shockSd))
    }

    static func diffusionMatrix(_ g: Geography, decayKm: Double) -> Matrix {
        let n = g.count
        var v = Matrix(rows: n, cols: n)
        for j in 0..<n { for i in 0..<n where i != j { v[i, j] = exp(-g.distances[i, j] / decayKm) } }
        let s = v.rowSums()
        for j in 0..<n { for i in 0..<n where s[i] > 0 { v[i, j] /= s[i] } }
        return v
    }

    /// D*_it = D*_t (1 + premium · exp(−dist_i / decay)), the city's target in `year`.
    static func target(_ s: DigitalSpec, geography g: Geography, year: Int, city i: Int) -> Double {
        national(s, year: year) * centreFactor(s, geography: g, city: i)
    }

    /// D*_t, the national logistic trend.
    static func national(_ s: DigitalSpec, year: Int) -> Double {
        s.level / (1 + exp(-s.rate * (Double(year) - s.midYear)))
    }

    /// 1 + premium · exp(−dist_i / decay), the city's factor on the national trend.
    static func centreFactor(_ s: DigitalSpec, geography g: Geography, city i: Int) -> Double {
        1 + s.centrePremium * exp(-g.distanceToCentre[i] / s.decayKm)
    }

    /// - Parameters:
    ///   - adoption: adoption year per city (nil: never integrated); all nil gives the untreated world.
    ///   - untreated: the untreated world's path drawn with the same `shocks`, when at hand. Before the
    ///     first adoption no city is integrated, so those periods are the same arithmetic on the same
    ///     numbers as the untreated world's: they are copied from it instead of recomputed (bit for bit).
    static func simulate(_ s: DigitalSpec, geography g: Geography, years: [Int], v kernel: DiffusionKernel, shocks: Shocks,
                         adoption: [Int?], untreated: [Double]? = nil) -> [Double] {
        let n = g.count, t = years.count
        let path = Path(s, geography: g, years: years)
        var d = [Double](repeating: 0, count: n * t)
        var start = 1
        if let untreated, untreated.count == n * t {
            start = firstIntegrated(adoption, years: years)
            d.replaceSubrange(0..<(start * n), with: untreated[0..<(start * n)])
        } else {
            path.initial(shocks, into: &d)
        }
        // The year's buffers, allocated once: the previous year's D, V times it, who is integrated
        // (and their indices, ascending) and the integration spill.
        var year = Year(n: n)
        for p in start..<t {
            year.load(d, period: p)
            kernel.multiply(year.prev, into: &year.vPrev)   // Σ_j v_ij D_j (rows of v sum to 1)
            path.advance(p, year: &year, kernel: kernel, adoption: adoption, shocks: shocks, into: &d)
        }
        return d
    }

    /// The untreated world's first `periods` periods (the rest zero): `simulate(…, adoption: all nil)`'s
    /// numbers there, bit for bit. `worlds` goes on from them.
    ///
    /// `path`: the recursion's fixed factors when the caller holds them (`CitySystemCell` builds them once
    /// per cell: the same numbers as `Path(s, geography: g, years: years)`, without N + T exponentials per call).
    static func untreated(_ s: DigitalSpec, geography g: Geography, years: [Int], v kernel: DiffusionKernel, shocks: Shocks,
                          periods: Int, path cached: Path? = nil) -> [Double] {
        let n = g.count, t = years.count
        precondition(periods >= 1 && periods <= t)
        let path = cached ?? Path(s, geography: g, years: years)
        var d = [Double](repeating: 0, count: n * t)
        path.initial(shocks, into: &d)
        var year = Year(n: n)
        let never = [Int?](repeating: nil, count: n)
        for p in 1..<periods {
            year.load(d, period: p)
            path.multiply(kernel, year.prev, into: &year.vPrev)
            path.advance(p, year: &year, kernel: kernel, adoption: never, shocks: shocks, into: &d)
        }
        return d
    }

    /// Both worlds, the untreated one (`untreated`: its first `done` periods, from `untreated(…)`) carried on
    /// alongside the treated one: each year both need, V multiplies the two previous years in one pass
    /// (`DiffusionKernel.multiply(_:_:into:_:)`, the same bits as two products), so V is read once a year
    /// instead of twice (issue 22; docs/benchmarks.md, session 12). d0 is `simulate(…, adoption: all
    /// nil)` and d1 `simulate(…, adoption: adoption, untreated: d0)`, bit for bit: the same years in the
    /// same order on the same numbers (DigitalReuseTests).
    static func worlds(_ s: DigitalSpec, geography g: Geography, years: [Int], v kernel: DiffusionKernel, shocks: Shocks,
                       adoption: [Int?], untreated: [Double], done: Int, path cached: Path? = nil) -> (d0: [Double], d1: [Double]) {
        let n = g.count, t = years.count
        precondition(untreated.count == n * t && done >= 1 && done <= t)
        let path = cached ?? Path(s, geography: g, years: years)
        let never = [Int?](repeating: nil, count: n)
        let start = firstIntegrated(adoption, years: years)
        var d0 = untreated, d1: [Double] = []
        var year0 = Year(n: n), year1 = Year(n: n)
        for p in 1..<t {
            let advances0 = p >= done, advances1 = p >= start
            // Before `start` the treated world is the untreated one (see `simulate`): copied once, when it
            // first needs a year of its own (d0 holds every period before p by then).
            if advances1 && d1.isEmpty {
                d1 = [Double](repeating: 0, count: n * t)
                d1.replaceSubrange(0..<(p * n), with: d0[0..<(p * n)])
            }
            if advances0 { year0.load(d0, period: p) }
            if advances1 { year1.load(d1, period: p) }
            switch (advances0, advances1) {
            case (true, true): path.multiply(kernel, year0.prev, year1.prev, into: &year0.vPrev, &year1.vPrev)
            case (true, false): path.multiply(kernel, year0.prev, into: &year0.vPrev)
            case (false, true): path.multiply(kernel, year1.prev, into: &year1.vPrev)
            case (false, false): continue
            }
            if advances0 { path.advance(p, year: &year0, kernel: kernel, adoption: never, shocks: shocks, into: &d0) }
            if advances1 { path.advance(p, year: &year1, kernel: kernel, adoption: adoption, shocks: shocks, into: &d1) }
        }
        return (d0, d1.isEmpty ? d0 : d1)
    }

    /// The first period (≥ 1) in which some city is integrated; `years.count` when none is.
    private static func firstIntegrated(_ adoption: [Int?], years: [Int]) -> Int {
        (1..<max(1, years.count)).first { p in adoption.contains { $0.map { years[p] >= $0 } ?? false } } ?? years.count
    }

    /// One world's buffers for a year, allocated once per path: the previous year's D, V times it, who is
    /// integrated (and their indices, ascending) and the integration spill.
    fileprivate struct Year {
        var prev: [Double], vPrev: [Double], extra: [Double]
        var active: [Bool]
        var cities: [Int] = []
        /// The dense kernel among the integrated cities (column-major, `among` × `among` for `among` = the
        /// cities it was gathered for, its diagonal 0), kept while the set does not change (one cohort: every
        /// year after adoption), with their previous D and spill gathered (`integrationSpill`).
        var among: [Int] = []
        var sub: [Double] = [], subPrev: [Double] = [], subExtra: [Double] = []

        init(n: Int) {
            prev = [Double](repeating: 0, count: n); vPrev = prev; extra = prev
            active = [Bool](repeating: false, count: n)
            cities.reserveCapacity(n)
        }

        mutating func load(_ d: [Double], period p: Int) {
            let n = prev.count
            for i in 0..<n { prev[i] = d[(p - 1) * n + i] }
        }
    }

    /// The recursion's fixed parts: the two factors of D*_it once per year and once per city (the same
    /// products as `target`, without two exponentials per city-year).
    struct Path: Sendable {
        let s: DigitalSpec
        let years: [Int]
        let nat: [Double], centre: [Double]
        /// A dense V packed in bands (`BandedProduct`: dgemv's sums, one stream over V), when the caller
        /// built one (`CitySystemCell`, once per cell); nil: the kernel's own products.
        let bands: BandedProduct?

        init(_ s: DigitalSpec, geography g: Geography, years: [Int], bands: BandedProduct? = nil) {
            self.s = s; self.years = years
            nat = years.map { Digital.national(s, year: $0) }
            centre = (0..<g.count).map { Digital.centreFactor(s, geography: g, city: $0) }
            self.bands = bands
        }

        /// V x into y: `kernel.multiply(_:into:)`'s numbers.
        func multiply(_ kernel: DiffusionKernel, _ x: [Double], into y: inout [Double]) {
            if let bands { bands.multiply(x, into: &y) } else { kernel.multiply(x, into: &y) }
        }

        /// V x₀ and V x₁: `kernel.multiply(_:_:into:_:)`'s numbers.
        func multiply(_ kernel: DiffusionKernel, _ x0: [Double], _ x1: [Double], into y0: inout [Double], _ y1: inout [Double]) {
            if let bands { bands.multiply(x0, x1, into: &y0, &y1) } else { kernel.multiply(x0, x1, into: &y0, &y1) }
        }

        func target(_ p: Int, _ i: Int) -> Double { nat[p] * centre[i] }

        func initial(_ shocks: Shocks, into d: inout [Double]) {
            for i in centre.indices { d[i] = target(0, i) + shocks.initial[i] }
        }

        /// Period p of `d` from `year.prev` (period p − 1) and `year.vPrev` (V times it).
        fileprivate func advance(_ p: Int, year: inout Year, kernel: DiffusionKernel, adoption: [Int?], shocks: Shocks,
                     into d: inout [Double]) {
            let n = centre.count
            year.cities.removeAll(keepingCapacity: true)
            for i in 0..<n {
                year.active[i] = adoption[i].map { years[p] >= $0 } ?? false
                if year.active[i] { year.cities.append(i) }
            }
            let boost = !year.cities.isEmpty && s.integrationBoost != 0
            if boost {
                if case .dense(let v) = kernel {
                    denseIntegrationSpill(v, year: &year)
                } else {
                    integrationSpill(kernel, active: year.active, cities: year.cities, prev: year.prev, into: &year.extra)
                }
            }
            for i in 0..<n {
                var spill = year.vPrev[i] - year.prev[i]
                if boost && year.active[i] { spill += s.integrationBoost * year.extra[i] }
                let goal = target(p, i) * (year.active[i] ? 1 + s.integrationTarget : 1)
                d[p * n + i] = year.prev[i] + s.convergence * (goal - year.prev[i]) + s.diffusion * spill
                    + shocks.innovations[p * n + i]
            }
        }
    }

    /// `integrationSpill` for the dense kernel on the integrated cities' block of V, gathered once per set
    /// of integrated cities: extra_i = Σ_j v_ij (D_j − D_i) over the integrated j in ascending order, each
    /// term the same product as there, added in the same order. The block's diagonal is 0 and the j = i
    /// term then 0 · 0 = +0, which leaves every sum as it was (a sum from +0 is never −0), so the inner
    /// loop runs over the whole block without a test and vectorises.
    private static func denseIntegrationSpill(_ v: Matrix, year: inout Year) {
        let n = v.rows, m = year.cities.count
        if year.among != year.cities {
            year.among = year.cities
            year.sub = [Double](repeating: 0, count: m * m)
            // v[i, j] straight from V's column-major storage (the subscript is a call per element from here).
            let cities = year.cities
            v.data.withUnsafeBufferPointer { vd in
                year.sub.withUnsafeMutableBufferPointer { sub in
                    for (jj, j) in cities.enumerated() {
                        let column = j * n
                        for (ii, i) in cities.enumerated() where ii != jj { sub[jj * m + ii] = vd[column + i] }
                    }
                }
            }
            year.subPrev = [Double](repeating: 0, count: m)
            year.subExtra = year.subPrev
        }
        for (ii, i) in year.cities.enumerated() { year.subPrev[ii] = year.prev[i]; year.subExtra[ii] = 0 }
        year.sub.withUnsafeBufferPointer { sub in
            year.subPrev.withUnsafeBufferPointer { pv in
                year.subExtra.withUnsafeMutableBufferPointer { ex in
                    for jj in 0..<m {
                        let dj = pv[jj], column = jj * m
                        for ii in 0..<m { ex[ii] += sub[column + ii] * (dj - pv[ii]) }
                    }
                }
            }
        }
        for i in 0..<n { year.extra[i] = 0 }
        for (ii, i) in year.cities.enumerated() { year.extra[i] = year.subExtra[ii] }
    }

    /// extra_i = Σ_{j active, j ≠ i} v_ij (D_j − D_i) for each active i (`cities`: the active, ascending), summed over j in ascending
    /// order. The dense kernel is stored by columns, so j runs in the outer loop and each column
    /// is read contiguously; every extra_i still adds its terms in the order j = 0, 1, ….
    private static func integrationSpill(_ kernel: DiffusionKernel, active: [Bool], cities: [Int], prev: [Double],
                                         into extra: inout [Double]) {
        let n = prev.count
        for i in 0..<n { extra[i] = 0 }
        switch kernel {
        case .dense(let v):
            v.data.withUnsafeBufferPointer { vd in
                prev.withUnsafeBufferPointer { pv in
                    extra.withUnsafeMutableBufferPointer { ex in
                        for j in cities {
                            let dj = pv[j], column = j * n
                            for i in cities where i != j { ex[i] += vd[column + i] * (dj - pv[i]) }
                        }
                    }
                }
            }
        case .truncated(let v):
            for i in 0..<n where active[i] {
                var e = 0.0
                for k in v.rowStart[i]..<v.rowStart[i + 1] where active[v.columns[k]] {
                    e += v.values[k] * (prev[v.columns[k]] - prev[i])
                }
                extra[i] = e
            }
        }
    }
}
