import Numerics
import TestSupport
import XCTest

/// The symmetric products (rank-k updates, symmetric matrix–vector products) against the
/// general products they replace on the spatial hot path (issue 22): the same values to rounding,
/// with tolerances relative to the sums of absolute terms, so they hold whatever the BLAS kernel.
final class MatrixSymmetricTests: XCTestCase {
    func testScaledGramMatchesTheGeneralProductForWeightsOfBothSigns() {
        let stream = RandomStream(seed: 22)
        let n = 37
        let v = Matrix(rows: n, cols: n, uncheckedColumnMajor: stream.normals(n * n))
        let d = (0..<n).map { q in q % 3 == 0 ? -stream.uniform(0.1, 2) : stream.uniform(0.1, 2) }
        var scaled = v
        for q in 0..<n { for i in 0..<n { scaled.data[i + q * n] *= d[q] } }
        let reference = Matrix.product(scaled, v, transposeB: true)
        let gram = Matrix.scaledGram(v, weights: d)
        for j in 0..<n {
            for i in 0..<n {
                let scale = (0..<n).reduce(0.0) { $0 + abs(v[i, $1] * d[$1] * v[j, $1]) }
                assertClose(reference[i, j], gram[i, j], tolerance: 1e-13 * scale)
            }
        }
        let positive = Matrix.scaledGram(v, weights: d.map(abs)), negative = Matrix.scaledGram(v, weights: d.map { -abs($0) })
        for k in 0..<(n * n) { assertClose(positive.data[k], -negative.data[k], tolerance: 1e-13 * abs(positive.data[k]) + 1e-300) }
    }

    func testOuterProductAndQuadraticFormMatchGeneralProducts() {
        let stream = RandomStream(seed: 23)
        let a = Matrix(rows: 29, cols: 7, uncheckedColumnMajor: stream.normals(29 * 7))
        let reference = Matrix.product(a, a, transposeB: true)
        let outer = a.outerProduct()
        for j in 0..<29 {
            for i in 0..<29 {
                let scale = (0..<7).reduce(0.0) { $0 + abs(a[i, $1] * a[j, $1]) }
                assertClose(reference[i, j], outer[i, j], tolerance: 1e-14 * scale)
            }
        }
        let h = reference, x = stream.normals(29)
        let full = Vector.dot(x, h.multiply(x))
        var scale = 0.0
        for j in 0..<29 { for i in 0..<29 { scale += abs(x[i] * h[i, j] * x[j]) } }
        assertClose(full, h.symmetricQuadraticForm(x), tolerance: 1e-14 * scale)
        XCTAssertEqual(Matrix(rows: 0, cols: 0).symmetricQuadraticForm([]), 0)
    }
}
