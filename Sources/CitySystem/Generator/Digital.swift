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
        // The two factors of D*_it once per year and once per city (the same products as
        // `target`, without two exponentials per city-year).
        let nat = years.map { national(s, year: $0) }
        let centre = (0..<n).map { centreFactor(s, geography: g, city: $0) }
        let target = { (p: Int, i: Int) -> Double in nat[p] * centre[i] }
        var d = [Double](repeating: 0, count: n * t)
        var start = 1
        if let untreated, untreated.count == n * t {
            start = (1..<t).first { p in adoption.contains { $0.map { years[p] >= $0 } ?? false } } ?? t
            d.replaceSubrange(0..<(start * n), with: untreated[0..<(start * n)])
        } else {
            for i in 0..<n { d[i] = target(0, i) + shocks.initial[i] }
        }
        // The year's buffers, allocated once: the previous year's D, V times it, who is integrated
        // (and their indices, ascending) and the integration spill.
        var prev = [Double](repeating: 0, count: n), vPrev = prev, extra = prev
        var active = [Bool](repeating: false, count: n)
        var cities: [Int] = []
        cities.reserveCapacity(n)
        for p in start..<t {
            for i in 0..<n { prev[i] = d[(p - 1) * n + i] }
            kernel.multiply(prev, into: &vPrev)   // Σ_j v_ij D_j (rows of v sum to 1)
            cities.removeAll(keepingCapacity: true)
            for i in 0..<n {
                active[i] = adoption[i].map { years[p] >= $0 } ?? false
                if active[i] { cities.append(i) }
            }
            let boost = !cities.isEmpty && s.integrationBoost != 0
            if boost { integrationSpill(kernel, active: active, cities: cities, prev: prev, into: &extra) }
            for i in 0..<n {
                var spill = vPrev[i] - prev[i]
                if boost && active[i] { spill += s.integrationBoost * extra[i] }
                let goal = target(p, i) * (active[i] ? 1 + s.integrationTarget : 1)
                d[p * n + i] = prev[i] + s.convergence * (goal - prev[i]) + s.diffusion * spill
                    + shocks.innovations[p * n + i]
            }
        }
        return d
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
