@testable import Numerics

extension Matrix {
    /// A row-standardised ring of n units, each joined to its neighbours at distance 1 and `chords` (a W with
    /// a symmetric form and no islands), for the tests of W's spectrum and its caches.
    static func ringWeights(_ n: Int, chords: Int) -> Matrix {
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n {
            c[i, (i + 1) % n] = 1; c[(i + 1) % n, i] = 1
            c[i, (i + chords) % n] = 1; c[(i + chords) % n, i] = 1
        }
        var w = c
        let s = c.rowSums()
        for j in 0..<n { for i in 0..<n { w[i, j] /= s[i] } }
        return w
    }
}
