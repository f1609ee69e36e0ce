@testable import Numerics
import XCTest

/// A · x₀ and A · x₁ in one pass (`Matrix.multiply(_:_:into:_:)`) must be the two dgemv calls' numbers bit
/// for bit, whichever path runs (the fused kernel after its once-per-process check, or dgemv itself), for
/// row counts on and off a multiple of 4 and every column remainder mod 4.
final class PairedProductTests: XCTestCase {
    func testPairedProductHasTheBitsOfTwoProducts() {
        for (m, n) in [(4, 1), (8, 2), (12, 3), (16, 4), (20, 5), (24, 6), (28, 7), (280, 280), (92, 92), (90, 90), (7, 5), (283, 281)] {
            var a = Matrix(rows: m, cols: n)
            for k in 0..<a.data.count { a.data[k] = sin(Double(k) * 0.37 + 0.1) * Double(1 + k % 7) }
            let x0 = (0..<n).map { sin(Double($0) * 1.3) * 3 }, x1 = (0..<n).map { cos(Double($0) * 0.7) - 0.25 }
            var y0 = [Double](repeating: .nan, count: m), y1 = y0
            a.multiply(x0, x1, into: &y0, &y1)
            XCTAssertEqual(y0.map(\.bitPattern), a.multiply(x0).map(\.bitPattern), "first, \(m) × \(n)")
            XCTAssertEqual(y1.map(\.bitPattern), a.multiply(x1).map(\.bitPattern), "second, \(m) × \(n)")
        }
        print("PairedProduct.isFused = \(PairedProduct.isFused)")
    }

    /// The check can fail: on inputs like its own, summing in another order (a plain chain over the
    /// columns) gives other bits than dgemv, so a kernel with another order would not pass it.
    /// (Only where the fused kernel runs: a BLAS whose dgemv is itself that plain chain, e.g. the reference
    /// BLAS without FMA, has nothing for the check to tell apart, and the kernel is then never used.)
    func testAnotherOrderShowsInTheLastBits() throws {
        try XCTSkipUnless(PairedProduct.isFused, "the fused kernel does not run on this CPU/BLAS: dgemv itself is used")
        let m = 280, n = 280
        var a = Matrix(rows: m, cols: n)
        for k in 0..<a.data.count {
            let scale = Double(1 << (k % 9))
            a.data[k] = (sin(Double(k) * 0.37 + 0.1) - 0.2) * scale
        }
        let x: [Double] = (0..<n).map { j in
            let scale = Double(1 << (j % 5))
            return (cos(Double(j) * 0.7) - 0.25) * scale
        }
        let blas: [Double] = a.multiply(x)
        var chain = [Double](repeating: 0, count: m)
        for i in 0..<m { for j in 0..<n { chain[i] += a[i, j] * x[j] } }
        XCTAssertNotEqual(chain.map { $0.bitPattern }, blas.map { $0.bitPattern })
    }

    /// A matrix packed in bands (`BandedProduct`, the digital diffusion's V) times one or two vectors must be
    /// dgemv's numbers bit for bit, with each kernel the CPU has, for row counts on and off a multiple of 8
    /// and every column remainder mod 4 (the kernel's pair and single tails).
    func testBandedProductHasDgemvsBits() throws {
        try XCTSkipUnless(BandedProduct.kernel != nil, "no banded kernel runs on this CPU/BLAS: the matrix's own products are used")
        print("BandedProduct.kernel = \(String(describing: BandedProduct.kernel))")
        let kernels = BandedProduct.candidates
        for (m, n) in [(4, 1), (8, 2), (12, 3), (16, 4), (20, 5), (24, 6), (28, 7), (280, 280), (92, 92), (284, 283), (600, 601)] {
            var a = Matrix(rows: m, cols: n)
            for k in 0..<a.data.count { a.data[k] = sin(Double(k) * 0.37 + 0.1) * Double(1 + k % 7) }
            let x0 = (0..<n).map { sin(Double($0) * 1.3) * 3 }, x1 = (0..<n).map { cos(Double($0) * 0.7) - 0.25 }
            var d0 = [Double](repeating: 0, count: m), d1 = d0
            a.multiply(x0, into: &d0); a.multiply(x1, into: &d1)   // dgemv
            for kernel in kernels where BandedProduct.matchesBLAS(kernel) {   // the kernels this machine's check accepts
                let banded = BandedProduct(a, kernel: kernel)
                var y0 = [Double](repeating: 0, count: m), y1 = y0, single = y0
                banded.multiply(x0, x1, into: &y0, &y1)
                banded.multiply(x0, into: &single)
                XCTAssertEqual(y0.map(\.bitPattern), d0.map(\.bitPattern), "\(m) × \(n), \(kernel)")
                XCTAssertEqual(y1.map(\.bitPattern), d1.map(\.bitPattern), "\(m) × \(n), \(kernel)")
                XCTAssertEqual(single.map(\.bitPattern), d0.map(\.bitPattern), "\(m) × \(n), \(kernel), one vector")
            }
        }
        XCTAssertNil(BandedProduct(Matrix(rows: 6, cols: 6)), "rows not a multiple of 4: no banded copy")
    }

    /// A fixed matrix times right-hand sides of every width (`PackedProduct`, [S | SW]'s product) must be
    /// dgemm's numbers bit for bit, packed or not (odd widths: the kernel's one-column tail), for row counts on and off multiples of 8 and 4 and K
    /// on both sides of OpenBLAS's block size.
    func testPackedProductHasDgemmsBits() {
        for (m, k) in [(280, 560), (276, 552), (283, 566), (90, 180), (7, 14), (600, 1200)] {
            var a = Matrix(rows: m, cols: k)
            for q in 0..<a.data.count { a.data[q] = sin(Double(q) * 0.37 + 0.1) * Double(1 + q % 7) }
            // Each kernel the CPU has on its own (the AVX2 one too where AVX-512 would be chosen), then the default.
            for allowing: Set<PackedProduct.Kernel> in [[.avx2], [.avx512], [.avx2, .avx512]] {
                let product = PackedProduct(a, allowing: allowing)
                for width in [1, 2, 3, 4, 5, 6, 7, 10, 12, 31, 32, 33, 36] {
                    let b: [Double] = (0..<(k * width)).map { q in cos(Double(q) * 0.53) - 0.3 }
                    let dgemm = (a * Matrix(rows: k, cols: width, uncheckedColumnMajor: b)).data
                    XCTAssertEqual(product.product(b, width: width).map { $0.bitPattern }, dgemm.map { $0.bitPattern },
                                   "\(m) × \(k), width \(width), kernels \(allowing)")
                }
                XCTAssertEqual(product.matrix.data.map { $0.bitPattern }, a.data.map { $0.bitPattern })
                print("PackedProduct(\(m) × \(k), \(allowing)).isFused = \(product.isFused) (\(product.kernel)), odd widths \(product.isFusedOdd)")
            }
        }
        XCTAssertEqual(PackedProduct.blocks(560), [0, 256, 408, 560])
        XCTAssertEqual(PackedProduct.blocks(200), [0, 200])
    }
}
