import Foundation
import Numerics

/// The fixed point of one year did not converge (or left the finite numbers): the year,
/// the residual reached and the iterations spent. Never a silent non-equilibrium.
public struct NEGConvergenceError: Error, CustomStringConvertible, Equatable {
    public enum Reason: Sendable, Equatable { case iterationLimit, nonFinite }
    public let reason: Reason
    public let year: Int
    public let residual: Double
    public let iterations: Int
    public let tolerance: Double

    public var description: String {
        let what = reason == .nonFinite ? "produced a non-finite value" : "did not converge"
        return "the new-economic-geography equilibrium of \(year) \(what): residual \(String(format: "%.3g", residual)) after "
            + "\(iterations) iterations (tolerance \(String(format: "%.3g", tolerance))); lower city_system.sectors.eta or damping, "
            + "or raise max_iterations"
    }
}

/// A year whose equilibrium leaves a city without a traditional sector: manufacturing and
/// services would hire at least all its workers, so the immobile workers' wage could not be the
/// traditional good's 1 the model assumes (MODEL.md §2.3). Refused, not recorded as if valid.
public struct NEGTraditionalSectorError: Error, CustomStringConvertible, Equatable {
    public let year: Int
    /// The city (index in the geography's order) with the smallest traditional share.
    public let city: Int
    /// 1 − (E^M + E^S)/L of that city, ≤ 0.
    public let share: Double

    public var description: String {
        "the new-economic-geography equilibrium of \(year) leaves city \(city) without a traditional sector "
            + "(manufacturing and services would hire \(String(format: "%.1f", 100 * (1 - share))) % of its workers, so wages could not be 1); "
            + "lower city_system.sectors.mu or mu_s (less demand for the two sectors) or eta (less concentration of firms)"
    }
}

/// Firm allocation and incomes: the state the fixed point iterates on. Shares sum to one
/// per sector (the national firm masses are normalised to 1; the model is scale-free in them).
public struct NEGState: Sendable, Equatable {
    public var manufacturing: [Double]
    public var services: [Double]
    public var income: [Double]

    public init(manufacturing: [Double], services: [Double], income: [Double]) {
        self.manufacturing = manufacturing; self.services = services; self.income = income
    }
}

/// Everything the map computes from a state; at the fixed point these are the equilibrium quantities.
public struct NEGQuantities: Sendable {
    /// SA_i = Σ_j φ^S_ij n^S_j: services access, P^S_i = SA_i^{1/(1−σ_S)} (mark-up constant dropped).
    public var servicesAccess: [Double]
    /// Δ_i = Σ_j φ_ji n^M_j c_j^{1−σ}: P^M_i = Δ_i^{1/(1−σ)}.
    public var manufacturingIndex: [Double]
    /// c_i^{1−σ} with c_i = (P^S_i)^α (wage 1): manufacturers' marginal cost term.
    public var costTerm: [Double]
    /// MA_i = Σ_j φ_ij μ Y_j / Δ_j: manufacturing market access; revenue per firm R^M_i = c_i^{1−σ} MA_i.
    public var marketAccess: [Double]
    public var revenueM: [Double]
    public var revenueS: [Double]
    public var profitM: [Double]
    public var profitS: [Double]
    /// Y'_i = L_i + n^M_i π^M_i + n^S_i π^S_i implied by the state.
    public var income: [Double]
    /// Logit responses: L_i^ν exp(η V^k_i) / Σ_j L_j^ν exp(η V^k_j).
    public var responseM: [Double]
    public var responseS: [Double]
}

/// One year's equilibrium of the footloose-entrepreneur model with a vertical linkage
/// (MODEL.md §2.3). Wages of the immobile workers are 1 (a freely traded traditional good is the
/// numéraire); manufacturing and service firms each need one mobile entrepreneur, price at a
/// constant mark-up and earn operating profit R/σ. Manufacturers' variable input is Cobb–Douglas in
/// labour (1 − α) and the services composite (α), so their cost falls where services are accessible;
/// service firms sell to manufacturers (α (σ−1)/σ of their revenue) and to households (μ_S Y).
/// Entrepreneurs choose cities by a logit in the log real profit
///   V^k_i = ln π^k_i − μ ln P^M_i − μ_S ln P^S_i + A^k_i.
/// The solver iterates the map on (shares, incomes) with damping in log-shares, started from
/// `start` (last year's allocation: path dependence); the damping is halved whenever successive
/// steps point in opposite directions (and regrows after five agreeing steps), so it settles on
/// stable equilibria only, as the textbook migration dynamics do. Each iteration costs four N×N matrix–vector products.
public struct NEGEquilibrium: Sendable {
    public let spec: NEGSpec
    public let size: [Double]
    /// φ_ij (manufacturing) and φ^S_ij (services), symmetric, diagonal 1.
    public let phiM: Matrix
    public let phiS: Matrix
    let logSites: [Double]

    public init(spec: NEGSpec, size: [Double], phiM: Matrix, phiS: Matrix) {
        self.spec = spec; self.size = size; self.phiM = phiM; self.phiS = phiS
        logSites = size.map { spec.siteSizeElasticity * log($0) }
    }

    /// The map at `s` with amenities A^M, A^S.
    public func evaluate(_ s: NEGState, amenityM: [Double], amenityS: [Double]) -> NEGQuantities {
        let p = spec, n = size.count
        let sa = phiS.multiply(s.services)
        let costExp = p.alpha * (p.sigma - 1) / (p.sigmaS - 1)
        let intermediate = p.alpha * (p.sigma - 1) / p.sigma
        let livingM = p.mu / (p.sigma - 1), livingS = p.muS / (p.sigmaS - 1)
        var c1 = [Double](repeating: 0, count: n), x = c1
        for i in 0..<n {
            c1[i] = pow(sa[i], costExp)                       // c^{1−σ} = SA^{α(σ−1)/(σ_S−1)}
            x[i] = s.manufacturing[i] * c1[i]
        }
        let dm = phiM.multiply(x)
        for i in 0..<n { x[i] = p.mu * s.income[i] / dm[i] }
        let ma = phiM.multiply(x)
        var rm = x
        for i in 0..<n {
            rm[i] = c1[i] * ma[i]
            x[i] = (p.muS * s.income[i] + intermediate * s.manufacturing[i] * rm[i]) / sa[i]
        }
        let rs = phiS.multiply(x)
        var pm = x, ps = x, income = x, vM = x, vS = x
        for i in 0..<n {
            pm[i] = rm[i] / p.sigma
            ps[i] = rs[i] / p.sigmaS
            income[i] = size[i] + s.manufacturing[i] * pm[i] + s.services[i] * ps[i]
            // −μ ln P^M − μ_S ln P^S = μ/(σ−1) ln Δ + μ_S/(σ_S−1) ln SA.
            let living = livingM * log(dm[i]) + livingS * log(sa[i])
            vM[i] = log(pm[i]) + living + amenityM[i]
            vS[i] = log(ps[i]) + living + amenityS[i]
        }
        return NEGQuantities(servicesAccess: sa, manufacturingIndex: dm, costTerm: c1, marketAccess: ma, revenueM: rm,
                             revenueS: rs, profitM: pm, profitS: ps, income: income, responseM: logit(vM), responseS: logit(vS))
    }

    func logit(_ v: [Double]) -> [Double] {
        let z = (0..<v.count).map { logSites[$0] + spec.eta * v[$0] }
        let top = z.max() ?? 0
        // Floored at e^−700 (≈ 1e-304, still a normal double): a share that underflowed to zero
        // would make the log-share iteration infinite at full agglomeration.
        let w = z.map { exp(max($0 - top, -700)) }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    /// Largest absolute log change the map makes to any share or income: zero at a fixed point.
    public static func residual(_ s: NEGState, _ q: NEGQuantities) -> Double {
        var r = 0.0
        for i in 0..<s.income.count {
            r = max(r, abs(log(q.responseM[i] / s.manufacturing[i])), abs(log(q.responseS[i] / s.services[i])),
                    abs(log(q.income[i] / s.income[i])))
        }
        return r
    }

    public struct Solution: Sendable {
        public let state: NEGState
        public let quantities: NEGQuantities
        public let residual: Double
        public let iterations: Int
    }

    /// Damped fixed-point iteration from `start`; throws `NEGConvergenceError` naming `year`.
    public func solve(from start: NEGState, amenityM: [Double], amenityS: [Double], year: Int) throws -> Solution {
        let n = size.count
        var s = start
        // Incomes consistent with the starting shares first (a contraction: profits are a fraction
        // μ/σ + … of income): with stale incomes the first logit responses miss the demand linkage
        // and, for a large η, push the allocation the wrong way.
        for _ in 0..<200 {
            let y = evaluate(s, amenityM: amenityM, amenityS: amenityS).income
            let change = zip(y, s.income).reduce(0.0) { max($0, abs(log($1.0 / $1.1))) }
            s.income = y
            if !(change > 1e-8) { break }
        }
        var lambda = spec.damping
        var previousStep: [Double]? = nil
        var agreeing = 0
        var residual = Double.infinity
        for iteration in 0...spec.maxIterations {
            let q = evaluate(s, amenityM: amenityM, amenityS: amenityS)
            residual = NEGEquilibrium.residual(s, q)
            guard residual.isFinite else {
                throw NEGConvergenceError(reason: .nonFinite, year: year, residual: residual, iterations: iteration,
                                          tolerance: spec.tolerance)
            }
            if residual <= spec.tolerance {
                return Solution(state: s, quantities: q, residual: residual, iterations: iteration)
            }
            if iteration == spec.maxIterations { break }
            // Steps are capped at one log point: with a large η and incomes not yet consistent with
            // the shares (the first iterations), an uncapped step can throw the allocation into
            // another equilibrium's basin, and path dependence would then be an artefact of the solver.
            var step = [Double](repeating: 0, count: 2 * n)
            for i in 0..<n {
                step[i] = min(1, max(-1, log(q.responseM[i] / s.manufacturing[i])))
                step[n + i] = min(1, max(-1, log(q.responseS[i] / s.services[i])))
            }
            // A reversal means the map overshoots (slope below −1 somewhere): damp harder.
            // Agreement for a while lets it recover (up to `damping`), so an early overshoot does not
            // leave a long monotone path to crawl.
            if let prev = previousStep, Vector.dot(prev, step) < 0 {
                lambda *= 0.5; agreeing = 0
            } else {
                agreeing += 1
                if agreeing >= 5 { lambda = min(spec.damping, 1.5 * lambda); agreeing = 0 }
            }
            previousStep = step
            s.manufacturing = NEGEquilibrium.normalised((0..<n).map { s.manufacturing[$0] * exp(lambda * step[$0]) })
            s.services = NEGEquilibrium.normalised((0..<n).map { s.services[$0] * exp(lambda * step[n + $0]) })
            s.income = q.income
        }
        throw NEGConvergenceError(reason: .iterationLimit, year: year, residual: residual, iterations: spec.maxIterations,
                                  tolerance: spec.tolerance)
    }

    static func normalised(_ x: [Double]) -> [Double] {
        let t = x.reduce(0, +)
        return x.map { $0 / t }
    }
}
