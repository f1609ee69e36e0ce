import Foundation
import Numerics

/// Employment shares, location quotients and co-agglomeration, `reduced` mode (MODEL.md §2.3).
struct SectorPanel {
    var lqm: [Double]
    var lqs: [Double]
    var ca: [Double]
}

enum Sectors {
    /// log share_kit = mean_k + gradient_k · dist_i/100 km + elasticity_k (ln L_i − mean ln L) [+ premium · centre_i] + u_ki + e_kit,
    /// with u spatially correlated (`CityEffectField`: exponential correlation by a cached Cholesky
    /// factor, or its large-N process-convolution form)
    /// and e AR(1), started from its stationary law. LQ_kit = share_kit / (Σ_j L_j share_kjt / Σ_j L_j);
    /// CA = 1 − |LQm − LQs|/(LQm + LQs) + LQm + LQs.
    /// What the log shares and the national shares take from the design alone: the sizes L_i = e^{ln L_i},
    /// their total, and per city the log shares' part before the city effect u (the first terms of the
    /// sums below, in their order), so that a cell computes them once instead of every replication.
    struct Fixed: Sendable {
        let size: [Double]
        let totalSize: Double
        let partM: [Double], partS: [Double]

        init(_ s: SectorSpec, geography g: Geography, lnSize: [Double]) {
            let n = g.count
            size = lnSize.map { exp($0) }
            totalSize = size.reduce(0, +)
            let ml = lnSize.reduce(0, +) / Double(n)
            var partM = [Double](repeating: 0, count: n), partS = partM
            for i in 0..<n {
                let dist = g.distanceToCentre[i] / 100
                partM[i] = s.manufacturingLogShare + s.manufacturingGradient * dist
                    + s.manufacturingSizeElasticity * (lnSize[i] - ml)
                partS[i] = s.servicesLogShare + s.servicesGradient * dist + s.servicesSizeElasticity * (lnSize[i] - ml)
                    + (g.isCentre[i] ? s.servicesCentrePremium : 0)
            }
            self.partM = partM; self.partS = partS
        }
    }

    /// - Parameter fixed: the design's part (`Fixed`), when the caller holds it (`CitySystemCell`: once per cell).
    static func generate(_ s: SectorSpec, geography g: Geography, lnSize: [Double], field: CityEffectField,
                         periods t: Int, stream: RandomStream, fixed cached: Fixed? = nil) -> SectorPanel {
        let n = g.count
        let (z1, z2) = field.drawPair(stream)
        let r = s.effectCorrelation, rc = (1 - r * r).squareRoot()
        let uM = z1.map { s.effectSd * $0 }
        let uS = (0..<n).map { s.effectSd * (r * z1[$0] + rc * z2[$0]) }
        let fixed = cached ?? Fixed(s, geography: g, lnSize: lnSize)
        let size = fixed.size, totalSize = fixed.totalSize
        let stat = s.shockSd / (1 - s.shockAr * s.shockAr).squareRoot()
        var eM = stream.normals(n, sd: stat), eS = stream.normals(n, sd: stat)
        // Per city, the log shares' fixed part plus the city effect (the same sums, in the same order —
        // left to right, u last — as written out in full each period): only the AR(1) shocks e change
        // from year to year.
        var baseM = [Double](repeating: 0, count: n), baseS = baseM
        for i in 0..<n {
            baseM[i] = fixed.partM[i] + uM[i]
            baseS[i] = fixed.partS[i] + uS[i]
        }
        var out = SectorPanel(lqm: [Double](repeating: 0, count: n * t), lqs: [Double](repeating: 0, count: n * t),
                              ca: [Double](repeating: 0, count: n * t))
        var shM = [Double](repeating: 0, count: n), shS = shM
        // Each year's shocks in one block, in the order of the per-city loop (eM_i, eS_i, i = 0, 1, …).
        var draws: [Double] = []
        for p in 0..<t {
            if p > 0 {
                stream.normals(2 * n, mean: 0, sd: s.shockSd, into: &draws)
                for i in 0..<n {
                    eM[i] = s.shockAr * eM[i] + draws[2 * i]
                    eS[i] = s.shockAr * eS[i] + draws[2 * i + 1]
                }
            }
            var natM = 0.0, natS = 0.0
            for i in 0..<n {
                shM[i] = exp(baseM[i] + eM[i])
                shS[i] = exp(baseS[i] + eS[i])
                natM += size[i] * shM[i]; natS += size[i] * shS[i]
            }
            natM /= totalSize; natS /= totalSize
            for i in 0..<n {
                let m = shM[i] / natM, v = shS[i] / natS
                out.lqm[p * n + i] = m; out.lqs[p * n + i] = v
                out.ca[p * n + i] = 1 - abs(m - v) / (m + v) + m + v
            }
        }
        return out
    }

    /// Lower Cholesky factor of the exponential correlation exp(−d_ij / range), once per geography.
    static func effectFactor(_ g: Geography, rangeKm: Double, source: String) throws -> CityEffectField {
        var c = g.distances
        for k in 0..<c.data.count { c.data[k] = exp(-c.data[k] / rangeKm) }
        for i in 0..<g.count { c[i, i] = 1 + 1e-8 }   // jitter keeps near-duplicate cities factorisable
        do { return .cholesky(try Cholesky(c).lower) } catch {
            throw ScenarioError(source: source, path: "city_system.sectors.effect_range_km",
                                reason: "the city-effect correlation matrix is numerically singular (cities nearly coincide relative to the range)",
                                fix: "lower effect_range_km")
        }
    }
}
