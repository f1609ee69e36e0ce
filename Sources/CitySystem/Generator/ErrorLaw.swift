import Foundation
import Numerics

/// The error laws of MODEL.md §2.6. `sigma` is the marginal sd for normal, AR(1) and t
/// (t is rescaled by √((df − 2)/df)); for heteroskedastic errors σ_i = σ exp(−p (ln L_i − mean ln L));
/// for the spatial-error law σ is the sd of the innovation u in ε_t = (I − λW)⁻¹ u_t.
/// Drawn in two steps — the city-year innovations first (they need no W), then ε — so the
/// `neg` sectors' endogeneity channel can see the innovations before W and ε exist.
enum ErrorLaw {
    /// The raw draws, one per city-year (time-major), in the order the laws consume them.
    struct Innovations {
        let raw: [Double]
        /// Unit-variance innovations: raw, or t draws rescaled by √((df − 2)/df).
        let standardised: [Double]
    }

    static func innovations(_ e: ErrorSpec, n: Int, periods tt: Int, stream: RandomStream) -> Innovations {
        switch e.law {
        case .t:
            let raw = (0..<(n * tt)).map { _ in stream.studentT(df: e.df) }
            let k = ((e.df - 2) / e.df).squareRoot()
            return Innovations(raw: raw, standardised: raw.map { $0 * k })
        case .normal, .heteroskedastic, .ar1, .spatial:
            let raw = stream.normals(n * tt)
            return Innovations(raw: raw, standardised: raw)
        }
    }

    static func assemble(_ e: ErrorSpec, _ z: Innovations, n: Int, periods tt: Int, lnSize: [Double],
                         filter: SpatialFilter?) throws -> [Double] {
        let raw = z.raw
        switch e.law {
        case .normal:
            return raw.map { e.sigma * $0 }
        case .heteroskedastic:
            let ml = Statistics.mean(lnSize)
            let sd = lnSize.map { e.sigma * exp(-e.sizePower * ($0 - ml)) }
            return (0..<(n * tt)).map { sd[$0 % n] * raw[$0] }
        case .ar1:
            var out = (0..<n).map { e.sigma * raw[$0] }
            let innov = e.sigma * (1 - e.ar * e.ar).squareRoot()
            for p in 1..<tt { for i in 0..<n { out.append(e.ar * out[(p - 1) * n + i] + innov * raw[p * n + i]) } }
            return out
        case .spatial:
            guard let filter else { throw NumericsError("internal: spatial error law without a filter") }
            return try filter.solvePanel(raw.map { e.sigma * $0 })
        case .t:
            let scale = e.sigma * ((e.df - 2) / e.df).squareRoot()
            return raw.map { scale * $0 }
        }
    }

    /// ε ← √(1 − share) ε + √share σ f_t (`error.shocks`): f_t = a f_{t−1} + √(1 − a²) ν_t, f_0 = ν_0,
    /// ν_t independent draws of the unit-variance field, so every f_t has unit variance,
    /// corr(f_it, f_jt) = exp(−d_ij²/range²) (the process convolution of `CityEffectField`, at any N)
    /// and corr(f_it, f_i,t+k) = a^k. The shocks have mean zero and leave every estimand's truth
    /// unchanged; with the normal, ar1 and t laws the marginal sd stays σ.
    static func addShocks(_ e: ErrorSpec, field: CityEffectField, to eps: inout [Double], n: Int, periods tt: Int, stream: RandomStream) {
        let k = e.shocks, keep = (1 - k.share).squareRoot(), scale = k.share.squareRoot() * e.sigma
        let innovation = (1 - k.ar * k.ar).squareRoot()
        var f = [Double](repeating: 0, count: n)
        for t in 0..<tt {
            let nu = field.draw(stream)
            for i in 0..<n {
                f[i] = t == 0 ? nu[i] : k.ar * f[i] + innovation * nu[i]
                eps[t * n + i] = keep * eps[t * n + i] + scale * f[i]
            }
        }
    }
}
