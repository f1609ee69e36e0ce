import CKernels
import Foundation

/// The kernel of `SparseMatrix.multiplyRows`: SIMD4 Swift loops that run on any x86-64 (the package
/// builds for the baseline, SSE2), or AVX2 through a C function compiled for that target alone and
/// called only when the CPU reports it (`spillsim_cpu_has_avx2`). Both give the same bits.
public enum SparseRowKernel: Sendable, CaseIterable {
    case generic, avx2

    /// AVX2 when this CPU and its OS support it, else generic; decided once per process.
    public static let best: SparseRowKernel = avx2Supported ? .avx2 : .generic

    /// The kernels this CPU can run (generic always).
    public static var supported: [SparseRowKernel] { avx2Supported ? [.generic, .avx2] : [.generic] }

    private static let avx2Supported = spillsim_cpu_has_avx2() != 0
}

extension SparseMatrix {
    /// W times a dense matrix held unit by unit, one row at a time: for each row i in order,
    /// row[b] = Σ_q w_iq · unitMajor[c_q·width + b] for b < width, then `body(i, row)` (the row
    /// buffer is reused). `unitMajor` holds `cols` rows of `width` values, width a multiple of 4.
    ///
    /// Why unit-major: a time-major panel puts a unit's periods N apart, so each nonzero of W
    /// gathers one value per period (`multiplyBlocks`); here a nonzero multiplies one contiguous
    /// row. Each position is the chain 0 + w₁x₁ + w₂x₂ + … in the order of the row's nonzeros,
    /// one multiplication and one addition per term (vector lanes are different positions; no
    /// fused multiply–add), so the same bits as `multiplyBlocks` on the same values whichever kernel runs.
    public func multiplyRows(unitMajor: UnsafePointer<Double>, width: Int, kernel: SparseRowKernel = .best,
                             _ body: (Int, UnsafeMutablePointer<Double>) -> Void) {
        precondition(width % 4 == 0, "unit-major width \(width) is not a multiple of 4")
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(width, 4)) { buffer in
            let row = buffer.baseAddress!
            rowStart.withUnsafeBufferPointer { rs in
                columns.withUnsafeBufferPointer { cs in
                    values.withUnsafeBufferPointer { vs in
                        for i in 0..<rows {
                            switch kernel {
                            case .avx2:
                                spillsim_sparse_row_avx2(cs.baseAddress!, vs.baseAddress!, rs[i], rs[i + 1], unitMajor, width, row)
                            case .generic:
                                Self.multiplyRow(rs[i]..<rs[i + 1], columns: cs.baseAddress!, values: vs.baseAddress!,
                                                 unitMajor: unitMajor, width: width, into: row)
                            }
                            body(i, row)
                        }
                    }
                }
            }
        }
    }

    /// The generic kernel: sixteen positions at a time (four SIMD4 chains), then eight, then four.
    private static func multiplyRow(_ nonzeros: Range<Int>, columns cs: UnsafePointer<Int>, values vs: UnsafePointer<Double>,
                                    unitMajor: UnsafePointer<Double>, width: Int, into row: UnsafeMutablePointer<Double>) {
        var b = 0
        while b + 16 <= width {
            var a0 = SIMD4<Double>(), a1 = a0, a2 = a0, a3 = a0
            for q in nonzeros {
                let v = SIMD4(repeating: vs[q]), src = unitMajor + cs[q] * width + b
                a0 += v * load(src); a1 += v * load(src + 4); a2 += v * load(src + 8); a3 += v * load(src + 12)
            }
            store(a0, row + b); store(a1, row + b + 4); store(a2, row + b + 8); store(a3, row + b + 12)
            b += 16
        }
        while b + 8 <= width {
            var a0 = SIMD4<Double>(), a1 = a0
            for q in nonzeros {
                let v = SIMD4(repeating: vs[q]), src = unitMajor + cs[q] * width + b
                a0 += v * load(src); a1 += v * load(src + 4)
            }
            store(a0, row + b); store(a1, row + b + 4)
            b += 8
        }
        while b < width {
            var a0 = SIMD4<Double>()
            for q in nonzeros { a0 += SIMD4(repeating: vs[q]) * load(unitMajor + cs[q] * width + b) }
            store(a0, row + b)
            b += 4
        }
    }
}

@inline(__always)
private func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
private func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}
