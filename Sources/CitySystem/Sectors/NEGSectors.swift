import Foundation
import Numerics

/// The `neg` mode's equilibrium quantities per city-year, time-major (index t·N + i), for
/// inspection (`spillsim generate --equilibrium-out`). Prices are up to the constant mark-ups;
/// wages of immobile workers are 1.
public struct NEGPath: Sendable {
    /// Firm masses by sector (national total 1 each year).
    public var firmsM: [Double] = []
    public var firmsS: [Double] = []
    /// MA_i = Σ_j φ_ij μ Y_j / Δ_j and SA_i = Σ_j φ^S_ij n^S_j.
    public var marketAccess: [Double] = []
    public var servicesAccess: [Double] = []
    /// P^M_i = Δ_i^{1/(1−σ)}, P^S_i = SA_i^{1/(1−σ_S)}, and manufacturers' marginal cost c_i = (P^S_i)^α.
    public var priceM: [Double] = []
    public var priceS: [Double] = []
    public var costM: [Double] = []
    /// Households' cost of living (P^M)^μ (P^S)^{μ_S}: workers' real wage is its inverse.
    public var costOfLiving: [Double] = []
    public var profitM: [Double] = []
    public var profitS: [Double] = []
    /// Y_i: workers' wages plus the resident entrepreneurs' profits.
    public var income: [Double] = []
    public var amenityM: [Double] = []
    public var amenityS: [Double] = []
    /// 1 − (labour used by manufacturing and services)/L_i: the traditional sector's share of the
    /// city's workers; the model assumes it stays positive (wages then equal 1 everywhere).
    public var traditionalShare: [Double] = []
    /// Per year: τ_t, the fixed point's residual and iterations.
    public var tau: [Double] = []
    public var residual: [Double] = []
    public var iterations: [Int] = []
}

/// The yearly path of the `neg` mode (MODEL.md §2.3): amenities evolve as AR(1), trade freeness
/// rises as τ_t falls, digital technology flattens the services kernel, and each year's equilibrium
/// is solved from last year's allocation. The first year starts from firms ∝ L^ν (no agglomeration).
/// Employment by sector is the workers each sector hires at wage 1 — manufacturing
/// n^M R^M (1 − α)(σ − 1)/σ (its variable cost net of the services it buys), services
/// n^S R^S (σ_S − 1)/σ_S — and total employment is the city's workers L_i; entrepreneurs'
/// profits are income, not employment (issue 20: they were counted in both before). So
/// LQ^k_i = (E^k_i / L_i) / (Σ E^k / Σ L) and CA = 1 − |LQm − LQs|/(LQm + LQs) + LQm + LQs as
/// in the reduced mode. The model's wage of 1 needs a traditional sector in every city
/// (L_i > E^M_i + E^S_i); a year where it would vanish fails with `NEGTraditionalSectorError`.
enum NEGSectors {
    /// - Parameters:
    ///   - d: digital technology D (time-major N·T) of the world without integration, so that CA is
    ///     common to both worlds and the ATT stays the outcome equation's δ_P.
    ///   - errorInnovation: the outcome error's standardised city-year innovations (time-major),
    ///     the endogeneity channel's source.
    static func generate(_ p: NEGSpec, geography g: Geography, lnSize: [Double], years: [Int], d: [Double],
                         errorInnovation: [Double], stream: RandomStream) throws -> (SectorPanel, NEGPath) {
        let n = g.count, tt = years.count
        let size = lnSize.map { exp($0) }
        let chi = p.endogeneity, own = (1 - chi * chi).squareRoot()
        let stationary = p.amenitySd / (1 - p.amenityAr * p.amenityAr).squareRoot()
        var aM = [Double](repeating: 0, count: n), aS = aM
        let first = size.map { pow($0, p.siteSizeElasticity) }
        var state = NEGState(manufacturing: NEGEquilibrium.normalised(first), services: NEGEquilibrium.normalised(first),
                             income: size)
        var out = SectorPanel(lqm: [], lqs: [], ca: [])
        var path = NEGPath()
        for t in 0..<tt {
            let uM = stream.normals(n), uS = stream.normals(n)
            for i in 0..<n {
                let common = chi * errorInnovation[t * n + i]
                if t == 0 {
                    aM[i] = stationary * (common + own * uM[i]); aS[i] = stationary * (common + own * uS[i])
                } else {
                    aM[i] = p.amenityAr * aM[i] + p.amenitySd * (common + own * uM[i])
                    aS[i] = p.amenityAr * aS[i] + p.amenitySd * (common + own * uS[i])
                }
            }
            let tau = p.tau(period: t, of: tt)
            let (phiM, phiS) = kernels(p, distances: g.distances, tau: tau, d: Array(d[(t * n)..<((t + 1) * n)]))
            let model = NEGEquilibrium(spec: p, size: size, phiM: phiM, phiS: phiS)
            let sol = try model.solve(from: state, amenityM: aM, amenityS: aS, year: years[t])
            state = sol.state
            record(p, sol, size: size, amenityM: aM, amenityS: aS, tau: tau, into: &path, sectors: &out)
            let shares = path.traditionalShare[(t * n)..<((t + 1) * n)]
            if let worst = shares.enumerated().min(by: { $0.element < $1.element }), worst.element <= 0 {
                throw NEGTraditionalSectorError(year: years[t], city: worst.offset, share: worst.element)
            }
        }
        return (out, path)
    }

    /// φ_ij = exp(−(σ−1) τ d_ij/1000) and φ^S_ij = exp(−(σ_S−1) m τ d_ij / (1000 (1 + κ D̄_ij))),
    /// D̄_ij = (D_i + D_j)/2 clipped at 0 (a negative D cannot steepen the decay past the no-digital case).
    static func kernels(_ p: NEGSpec, distances: Matrix, tau: Double, d: [Double]) -> (Matrix, Matrix) {
        let n = distances.rows
        var m = Matrix(rows: n, cols: n, repeating: 1), s = m
        let km = (p.sigma - 1) * tau / 1000, ks = (p.sigmaS - 1) * p.servicesTauMultiplier * tau / 1000
        for j in 0..<n {
            for i in 0..<j {
                let dist = distances.data[j * n + i]
                let fm = exp(-km * dist)
                let fs = exp(-ks * dist / (1 + p.kappa * max(0, (d[i] + d[j]) / 2)))
                m.data[j * n + i] = fm; m.data[i * n + j] = fm
                s.data[j * n + i] = fs; s.data[i * n + j] = fs
            }
        }
        return (m, s)
    }

    static func record(_ p: NEGSpec, _ sol: NEGEquilibrium.Solution, size: [Double], amenityM: [Double], amenityS: [Double],
                       tau: Double, into path: inout NEGPath, sectors out: inout SectorPanel) {
        let s = sol.state, q = sol.quantities, n = size.count
        let em = (0..<n).map { s.manufacturing[$0] * q.revenueM[$0] * (1 - p.alpha) * (p.sigma - 1) / p.sigma }
        let es = (0..<n).map { s.services[$0] * q.revenueS[$0] * (p.sigmaS - 1) / p.sigmaS }
        let total = size.reduce(0, +)
        let natM = em.reduce(0, +) / total, natS = es.reduce(0, +) / total
        for i in 0..<n {
            let m = em[i] / size[i] / natM, v = es[i] / size[i] / natS
            out.lqm.append(m); out.lqs.append(v)
            out.ca.append(1 - abs(m - v) / (m + v) + m + v)
            path.traditionalShare.append(1 - (em[i] + es[i]) / size[i])
        }
        path.firmsM += s.manufacturing; path.firmsS += s.services
        path.marketAccess += q.marketAccess; path.servicesAccess += q.servicesAccess
        path.priceM += q.manufacturingIndex.map { pow($0, 1 / (1 - p.sigma)) }
        path.priceS += q.servicesAccess.map { pow($0, 1 / (1 - p.sigmaS)) }
        path.costM += q.servicesAccess.map { pow($0, -p.alpha / (p.sigmaS - 1)) }
        path.costOfLiving += (0..<n).map {
            exp(p.mu / (1 - p.sigma) * log(q.manufacturingIndex[$0]) + p.muS / (1 - p.sigmaS) * log(q.servicesAccess[$0]))
        }
        path.profitM += q.profitM; path.profitS += q.profitS
        path.income += s.income
        path.amenityM += amenityM; path.amenityS += amenityS
        path.tau.append(tau); path.residual.append(sol.residual); path.iterations.append(sol.iterations)
    }
}
