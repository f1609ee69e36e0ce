@testable import Numerics
import XCTest

/// gᵀ(A h) without a BLAS call (`Matrix.bilinearForm`, `quadraticForm`, `quadraticForms`) must be
/// `Vector.dot(g, A.multiply(h))` bit for bit, whichever path runs (the kernel after its once-per-process
/// check, or dgemv itself), for every order below, inside and outside the kernel's 4 … `maxOrder`, and
/// for gradients with exact zeros like the delta method's.
final class SmallFormsTests: XCTestCase {
    func testFormsHaveTheBitsOfDgemvAndDot() {
        for m in [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 22, 31, 40, 41, 57] {
            var a = Matrix(rows: m, cols: m)
            for k in 0..<a.data.count { a.data[k] = sin(Double(k) * 0.37 + 0.1) * Double(1 + k % 7) }
            // A covariance-like (symmetric) matrix too: the forms' real use.
            let s = Matrix.product(a, a, transposeA: true)
            for v in [a, s] {
                let count = 5
                var g = (0..<(m * count)).map { sin(Double($0) * 1.3) * Double(1 << ($0 % 6)) }
                let h = (0..<(m * count)).map { cos(Double($0) * 0.7) - 0.25 }
                for i in stride(from: 0, to: g.count, by: 3) { g[i] = 0 }
                let batch = v.quadraticForms(g, count: count)
                for j in 0..<count {
                    let gj = Array(g[(j * m)..<((j + 1) * m)]), hj = Array(h[(j * m)..<((j + 1) * m)])
                    XCTAssertEqual(v.bilinearForm(gj, hj).bitPattern, Vector.dot(gj, v.multiply(hj)).bitPattern, "bilinear, order \(m)")
                    XCTAssertEqual(v.quadraticForm(gj).bitPattern, Vector.dot(gj, v.multiply(gj)).bitPattern, "quadratic, order \(m)")
                    XCTAssertEqual(batch[j].bitPattern, Vector.dot(gj, v.multiply(gj)).bitPattern, "batch, order \(m), vector \(j)")
                }
            }
        }
        XCTAssertEqual(Matrix(rows: 3, cols: 3).quadraticForms([], count: 0), [])
        print("SmallForms.tailMode = \(String(describing: SmallForms.tailMode))")
    }

    /// The check can tell the two ways of summing the last rows apart: on this machine's inputs a fused
    /// and a plain chain give other bits in some element of A h, so at most one of them passes.
    func testTheCheckTellsTheTailsApart() throws {
        try XCTSkipUnless(SmallForms.isFused, "the kernel does not run on this CPU/BLAS: dgemv itself is used")
        XCTAssertFalse(SmallForms.matchesBLAS(0) && SmallForms.matchesBLAS(1))
    }
}
