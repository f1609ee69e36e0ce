import Foundation
import Numerics

/// Selection into regional integration (MODEL.md §6): inside the treated regions a
/// city joins with probability logistic(a + Σ_k c_k z_ik), z the pre-period
/// covariates standardised across all cities (so coefficients are per SD).
/// Cities outside the treated regions never join.
enum Treatment {
    struct Assignment {
        var treat: [Int]
        /// Adoption year, nil for never-treated.
        var adoption: [Int?]
    }

    static func assign(_ spec: TreatmentSpec, region: [Int], covariates: [String: [Double]], n: Int,
                       stream: RandomStream) -> Assignment {
        // Draw every city's uniforms whether or not it is eligible, so the stream stays aligned across designs.
        let u = (0..<n).map { _ in stream.uniform() }
        let cohortDraw = (0..<n).map { _ in stream.uniform() }
        guard spec.enabled else { return Assignment(treat: [Int](repeating: 0, count: n), adoption: [Int?](repeating: nil, count: n)) }
        var eta = [Double](repeating: spec.selectionIntercept, count: n)
        for (name, coef) in spec.selection.sorted(by: { $0.key < $1.key }) where coef != 0 {
            guard let x = covariates[name] else { continue }
            let m = Statistics.mean(x), sd = Statistics.standardDeviation(x)
            for i in 0..<n { eta[i] += coef * (sd > 0 ? (x[i] - m) / sd : 0) }
        }
        var a = Assignment(treat: [Int](repeating: 0, count: n), adoption: [Int?](repeating: nil, count: n))
        let cohorts = spec.staggered.isEmpty ? [spec.t0] : spec.staggered
        for i in 0..<n where spec.regions.contains(region[i]) {
            let p = 1 / (1 + exp(-eta[i]))
            if u[i] < p {
                a.treat[i] = 1
                a.adoption[i] = cohorts[min(cohorts.count - 1, Int(cohortDraw[i] * Double(cohorts.count)))]
            }
        }
        return a
    }
}

/// Extra controls X (MODEL.md §2.6): x_it = mean + size_loading (ln L_i − mean ln L) + city_sd a_i
/// + trend · t + AR(1) shock (stationary start).
enum Controls {
    static func generate(_ specs: [ControlSpec], lnSize: [Double], periods t: Int, stream: RandomStream) -> [[Double]] {
        let n = lnSize.count
        let ml = Statistics.mean(lnSize)
        return specs.map { c in
            let a = stream.normals(n, sd: c.citySd)
            var e = stream.normals(n, sd: c.shockSd / (1 - c.ar * c.ar).squareRoot())
            var x = [Double](repeating: 0, count: n * t)
            var draws: [Double] = []
            for p in 0..<t {
                if p > 0 {
                    stream.normals(n, mean: 0, sd: c.shockSd, into: &draws)   // one block per year, in city order
                    for i in 0..<n { e[i] = c.ar * e[i] + draws[i] }
                }
                for i in 0..<n { x[p * n + i] = c.mean + c.sizeLoading * (lnSize[i] - ml) + a[i] + c.trend * Double(p) + e[i] }
            }
            return x
        }
    }
}
