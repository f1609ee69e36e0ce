import Foundation
import Numerics

/// The error laws of MODEL.md §2.6. `sigma` is the marginal sd for normal, AR(1) and t
/// (t is rescaled by √((df − 2)/df)); for heteroskedastic errors σ_i = σ exp(−p (ln L_i − mean ln L));
/// for the spatial-error law σ is the sd of the innovation u in ε_t = (I − λW)⁻¹ u_t.
enum ErrorLaw {
    static func draw(_ e: ErrorSpec, n: Int, periods tt: Int, lnSize: [Double], filter: SpatialFilter?,
                     stream: RandomStream) throws -> [Double] {
        switch e.law {
        case .normal:
            return stream.normals(n * tt, sd: e.sigma)
        case .heteroskedastic:
            let ml = Statistics.mean(lnSize)
            let sd = lnSize.map { e.sigma * exp(-e.sizePower * ($0 - ml)) }
            return (0..<(n * tt)).map { sd[$0 % n] * stream.normal() }
        case .ar1:
            var out = stream.normals(n, sd: e.sigma)
            let innov = e.sigma * (1 - e.ar * e.ar).squareRoot()
            for p in 1..<tt { for i in 0..<n { out.append(e.ar * out[(p - 1) * n + i] + innov * stream.normal()) } }
            return out
        case .spatial:
            guard let filter else { throw NumericsError("internal: spatial error law without a filter") }
            return try filter.solvePanel(stream.normals(n * tt, sd: e.sigma))
        case .t:
            let scale = e.sigma * ((e.df - 2) / e.df).squareRoot()
            return (0..<(n * tt)).map { _ in scale * stream.studentT(df: e.df) }
        }
    }
}
