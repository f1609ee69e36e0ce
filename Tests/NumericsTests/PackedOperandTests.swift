import CKernels
import CLAPACK
@testable import Numerics
import XCTest

/// The operands packed once per W (`PackedOperand`: W in the designs' W·[X, y], V and Vᵀ in G(ρ)·v) must give
/// the dgemm call they replace bit for bit, transposed or not, whichever kernel runs (512-bit or 256-bit: the
/// same operations per element); an odd width is left to dgemm (nil). Where the once-per-process check fails
/// (another BLAS or CPU) no operand is made and the callers keep dgemm, so there is nothing to compare.
final class PackedOperandTests: XCTestCase {
    private func matrix(_ rows: Int, _ cols: Int, seed: Double) -> Matrix {
        var a = Matrix(rows: rows, cols: cols)
        for q in 0..<a.data.count { a.data[q] = (sin(Double(q) * 0.37 + seed) - 0.2) * Double(1 << (q % 9)) }
        return a
    }

    func testPackedOperandHasTheBitsOfDgemm() throws {
        var made = 0
        for (n, transposed) in [(280, false), (280, true), (283, true), (276, false), (36, true), (13, false), (600, true)] {
            let a = matrix(n, n, seed: 0.1)
            guard let op = PackedOperand.make(a, transposed: transposed) else { continue }
            made += 1
            for width in [2, 4, 6, 8, 10, 18, 32, 36, 126] {
                let b: [Double] = (0..<(n * width)).map { q in cos(Double(q) * 0.53) - 0.3 }
                let dgemm = Matrix.product(a, Matrix(rows: n, cols: width, uncheckedColumnMajor: b), transposeA: transposed).data
                XCTAssertEqual(op.product(b, width: width)?.map(\.bitPattern), dgemm.map(\.bitPattern),
                               "\(n) × \(n), transposed \(transposed), width \(width)")
            }
            for width in [1, 3, 17] {
                XCTAssertNil(op.product([Double](repeating: 1, count: n * width), width: width), "odd width \(width) is dgemm's")
            }
        }
        XCTAssertNil(PackedOperand.make(matrix(601, 601, seed: 0.2), transposed: false), "above maximumUnits nothing is packed")
        print("PackedOperand: \(made) of 7 shapes packed, wide kernels \(WideKernels.available)")
        try XCTSkipIf(made == 0, "the packed kernel does not give dgemm's bits on this CPU/BLAS: dgemm is used")
    }

    /// The 512-bit kernel and the 256-bit one sum every element alike: the same bits for every shape (rows on
    /// and off multiples of 16, 8 and 4; every column remainder mod 6; one, two and three K blocks).
    func testWideKernelHasTheBitsOfTheNarrowOne() throws {
        try XCTSkipUnless(spillsim_cpu_has_avx512f() != 0, "no AVX-512F on this CPU: the 256-bit kernel alone runs")
        for (m, k) in [(1, 5), (4, 9), (7, 14), (8, 8), (12, 30), (16, 16), (17, 40), (24, 280), (31, 300), (283, 560), (280, 280)] {
            let a = matrix(m, k, seed: 0.3)
            var packed = [Double](repeating: 0, count: m * k)
            spillsim_gemm_pack(a.data, m, k, &packed)
            let splits = PackedProduct.blocks(k)
            for width in 1...13 {
                let b: [Double] = (0..<(k * width)).map { q in (cos(Double(q) * 0.53) - 0.3) * Double(1 << (q % 7)) }
                var narrow = [Double](repeating: .nan, count: m * width), wide = narrow
                var scratch = [Double](repeating: 0, count: k * width)
                spillsim_gemm_packed_fma(packed, m, k, b, width, splits, splits.count - 1, &narrow, &scratch)
                spillsim_gemm_packed_avx512(packed, m, k, b, width, splits, splits.count - 1, &wide, &scratch)
                XCTAssertEqual(wide.map(\.bitPattern), narrow.map(\.bitPattern), "\(m) × \(k), width \(width)")
            }
        }
    }

    /// A dense W's panel products (`applyPanel`) and the products with its eigenvectors
    /// (`symmetricFormProduct`) are dgemm's bit for bit, through the packed operands or not.
    func testDenseWeightsProductsHaveTheBitsOfDgemm() throws {
        let n = 60
        var c = Matrix(rows: n, cols: n)
        for j in 0..<n { for i in 0..<n where i != j { c[i, j] = exp(-abs(Double(i - j)) / 9) } }
        let w = try SpatialWeights.rowStandardised(c)
        XCTAssertNil(w.sparse, "a dense W")
        for width in [1, 2, 6, 18, 36] {
            let b: [Double] = (0..<(n * width)).map { q in sin(Double(q) * 0.71) * Double(1 + q % 5) }
            let bm = Matrix(rows: n, cols: width, uncheckedColumnMajor: b)
            XCTAssertEqual(w.applyPanel(b).map(\.bitPattern), (w.matrix * bm).data.map(\.bitPattern), "W·B, width \(width)")
            let panel = Matrix(rows: n * width / 2, cols: 2, uncheckedColumnMajor: b)
            if width % 2 == 0 {
                XCTAssertEqual(w.applyPanel(panel).data.map(\.bitPattern), (w.matrix * bm).data.map(\.bitPattern), "W·X, width \(width)")
            }
            let v = try XCTUnwrap(w.spectrum?.symmetricForm).vectors
            for transposed in [false, true] {
                if let product = w.symmetricFormProduct(b, width: width, transposed: transposed) {
                    XCTAssertEqual(product.map(\.bitPattern), Matrix.product(v, bm, transposeA: transposed).data.map(\.bitPattern),
                                   "V·B, transposed \(transposed), width \(width)")
                } else {
                    XCTAssertTrue(width % 2 == 1 || PackedOperand.make(v, transposed: transposed) == nil)
                }
            }
        }
    }

    /// The unit multipliers' 512-bit kernel (eight units to a vector) gives the 256-bit kernel's and the plain
    /// build's bits, for sizes reaching the eight- and four-unit tails and the blocks of eight eigenvalues.
    func testWideUnitMultipliersHaveTheBitsOfTheOthers() throws {
        try XCTSkipUnless(WideKernels.available, "no AVX-512F on this CPU: the 256-bit kernel runs")
        for n in [1, 3, 4, 7, 8, 9, 12, 13, 17, 24, 31, 283] {
            let v: [Double] = (0..<(n * n)).map { q in (sin(Double(q) * 0.61) - 0.1) * Double(1 << (q % 7)) }
            let r: [Double] = (0..<n).map { j in 0.2 + abs(cos(Double(j))) }
            let sums: [Double] = (0..<n).map { j in sin(Double(j) * 1.7) }
            let g: [Double] = (0..<(4 * n)).map { q in cos(Double(q) * 0.29) * 2 }
            var plain = [Double](repeating: .nan, count: 8 * n), narrow = plain, wide = plain
            spillsim_unit_multipliers(v, n, r, sums, g, &plain)
            spillsim_unit_multipliers_avx2(v, n, r, sums, g, &narrow)
            spillsim_unit_multipliers_avx512(v, n, r, sums, g, &wide)
            XCTAssertEqual(wide.map(\.bitPattern), plain.map(\.bitPattern), "n = \(n)")
            XCTAssertEqual(wide.map(\.bitPattern), narrow.map(\.bitPattern), "n = \(n)")
        }
    }

    /// The unit multipliers through V's packed copy (`SpatialWeights.unitMultipliers`) are the plain build's
    /// bits, for unit counts reaching the bands of 8, the band of 4 and the single units of the packing.
    func testUnitMultipliersThroughThePackedCopyHaveTheirBits() throws {
        for n in [6, 13, 21, 60] {
            var c = Matrix(rows: n, cols: n)
            for j in 0..<n {
                for i in 0..<n where i != j {
                    let decay: Double = exp(-abs(Double(i - j)) / 4)
                    c[i, j] = decay * (1 + 0.1 * Double((i + j) % 3))
                }
            }
            let w = try SpatialWeights.rowStandardised(c)
            for rho in [-0.4, 0.3, 0.8] {
                let plain = try XCTUnwrap(w.spectrum?.unitMultipliers(rho: rho, kernel: .generic))
                XCTAssertEqual(try XCTUnwrap(w.unitMultipliers(rho: rho)).map(\.bitPattern), plain.map(\.bitPattern), "N = \(n), ρ = \(rho)")
            }
        }
    }

    /// P = E Eᵀ's lower triangle through the packed kernel (`PackedOperand.lowerGram`, the cluster sandwich's
    /// pair weights) is dsyrk's bit for bit wherever it runs, for unit counts on and off the kernel's bands.
    func testLowerGramHasTheBitsOfDsyrk() throws {
        var ran = 0
        for (n, t) in [(7, 3), (16, 18), (17, 5), (29, 1), (280, 18), (283, 40)] {
            let e: [Double] = (0..<(n * t)).map { q in (cos(Double(q) * 0.41) - 0.2) * Double(1 << (q % 6)) }
            var mine = [Double](repeating: .nan, count: n * n), blas = [Double](repeating: 0, count: n * n)
            let done = e.withUnsafeBufferPointer { pe in mine.withUnsafeMutableBufferPointer { PackedOperand.lowerGram(pe.baseAddress!, n: n, t: t, into: $0.baseAddress!) } }
            guard done else { continue }
            ran += 1
            e.withUnsafeBufferPointer { pe in
                blas.withUnsafeMutableBufferPointer { pc in
                    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(n), Int32(t), 1.0, pe.baseAddress, Int32(n), 0.0, pc.baseAddress, Int32(n))
                }
            }
            for j in 0..<n { for i in j..<n { XCTAssertEqual(mine[i + j * n].bitPattern, blas[i + j * n].bitPattern, "n \(n), t \(t), (\(i), \(j))") } }
        }
        try XCTSkipIf(ran == 0, "the packed lower Gram does not run here (no AVX-512F, or dsyrk sums otherwise): dsyrk is used")
    }
}
