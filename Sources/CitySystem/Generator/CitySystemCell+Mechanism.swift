import Foundation
import Numerics

/// The expected mechanism truths of MODEL.md §10: the policy's effect on D averaged over the
/// digital shocks, in closed form, and the outcome decomposition applied to it.
extension CitySystemCell {
    /// E[D(1)] and E[D(1) − D(0)] (time-major, N·T) for an adoption pattern, over the digital shocks.
    /// D is linear in its zero-mean shocks, so E[D(1)] is the noise-free path
    ///   D̄_t = D̄_{t−1} + κ(D*_t − D̄_{t−1}) + ψ(V D̄_{t−1} − D̄_{t−1}) + ψπ L_t D̄_{t−1},  D̄_0 = D*_0,
    /// (target κ D*_t (1 + π_T a_t) with the level channel π_T), and the effect obeys
    /// Δ_t = M Δ_{t−1} + ψπ L_t D̄_{t−1} + κ π_T a_t∘D*_t, Δ_0 = 0, with M = (1 − κ − ψ)I + ψV and
    /// L_t x = a_t∘(V(a_t∘x) − x∘(V a_t)), a_t the indicator of the cities integrated at t
    /// (Δ_t = Σ_{s≤t} M^{t−s} (ψπ L_s D̄_{s−1} + κπ_T a_s∘D*_s)). Computed with the cell's own kernel V (dense or truncated).
    public func expectedDigitalEffect(adoption: [Int?]) -> (withPolicy: [Double], effect: [Double]) {
        let s = spec.digital, n = geography.count, tt = years.count
        var level = [Double](repeating: 0, count: n * tt), effect = level
        for i in 0..<n { level[i] = Digital.target(s, geography: geography, year: years[0], city: i) }
        for p in 1..<tt {
            let prev = Array(level[((p - 1) * n)..<(p * n)]), prevEffect = Array(effect[((p - 1) * n)..<(p * n)])
            let a = (0..<n).map { adoption[$0].map { years[p] >= $0 } ?? false ? 1.0 : 0.0 }
            let vPrev = diffusion.multiply(prev), vEffect = diffusion.multiply(prevEffect)
            let vA = diffusion.multiply(a), vAx = diffusion.multiply(zip(a, prev).map(*))
            for i in 0..<n {
                let target = Digital.target(s, geography: geography, year: years[p], city: i)
                let boost = s.diffusion * s.integrationBoost * a[i] * (vAx[i] - prev[i] * vA[i])
                    + s.convergence * s.integrationTarget * a[i] * target
                level[p * n + i] = prev[i] + s.convergence * (target - prev[i]) + s.diffusion * (vPrev[i] - prev[i]) + boost
                effect[p * n + i] = (1 - s.convergence - s.diffusion) * prevEffect[i] + s.diffusion * vEffect[i] + boost
            }
        }
        return (level, effect)
    }

    /// The mechanism truths of `panel`'s assignment and CA, with the policy's effect on D replaced
    /// by its expectation over the digital shocks. Nil when the true W depends on D (it then
    /// varies with the shocks, and the outcome operator with it).
    public func expectedMechanism(of panel: SyntheticPanel) throws -> MechanismTruth? {
        guard let model = outcomeModel, let cache = truthCache else { return nil }
        let adoption = panel.cohort.map { $0 > 0 ? Optional($0) : nil }
        return try MechanismTruth(model: model, weights: cache.weights, ca: panel.ca,
                                  deltaD: expectedDigitalEffect(adoption: adoption).effect,
                                  policy: policyTerm(adoption: adoption), treat: panel.treat, post: panel.post,
                                  years: years, firstAdoption: firstAdoption)
    }

    /// The first adoption year: from it the never-treated count as post (MODEL.md §6).
    var firstAdoption: Int { spec.treatment.staggered.min().map { min($0, spec.treatment.t0) } ?? spec.treatment.t0 }

    /// δ_P + growth·(year − g) on the treated city-years from adoption g, else 0 (time-major).
    func policyTerm(adoption: [Int?]) -> [Double] {
        let tr = spec.treatment, n = geography.count
        var out = [Double](repeating: 0, count: n * years.count)
        for (p, year) in years.enumerated() {
            for i in 0..<n { if let g = adoption[i], year >= g { out[p * n + i] = tr.effect + tr.effectGrowth * Double(year - g) } }
        }
        return out
    }
}
