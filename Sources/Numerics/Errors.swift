import CGSL
import CKernels
import Foundation

/// A failure reported by a GSL routine, carrying the C function's name and GSL's status code.
public struct GSLError: Error, CustomStringConvertible, Equatable {
    public let function: String
    public let code: Int32
    public var reason: String { String(cString: gsl_strerror(code)) }
    public init(function: String, code: Int32) {
        self.function = function
        self.code = code
    }
    public var description: String { "\(function) failed: \(reason) (GSL status \(code))" }
}

/// A failure reported by LAPACK (`info != 0`), naming the routine.
public struct LAPACKError: Error, CustomStringConvertible, Equatable {
    public let function: String
    public let info: Int32
    public let message: String
    public var description: String { "\(function) failed (info \(info)): \(message)" }
}

/// A problem with the shape or content of numerical input, detected before any C call.
public struct NumericsError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One-time set-up of the C libraries, run before the first GSL or BLAS call.
///
/// GSL's default error handler aborts the process; spillsim turns it off so
/// every status comes back to Swift and becomes a `GSLError`. OpenBLAS is
/// pinned to one thread because parallelism lives at the replication level
/// (threads inside BLAS would oversubscribe the cores and make timing noisy).
public enum NumericsRuntime {
    private static let initialised: Bool = {
        gsl_set_error_handler_off()
        openblas_set_num_threads(1)
        // Inputs are checked for NaN/∞ before LAPACK is called (SpatialWeights,
        // SymmetricEigen, the estimators' data checks); LAPACKE's own O(n²) scan of
        // every argument was ~4% of an SDM fit.
        LAPACKE_set_nancheck(0)
        // CHOLMOD's supernodal factorisation opens OpenMP regions of a compiled-in 4 threads to
        // clear and assemble supernodes. Fits already run one per core (replications in parallel),
        // so the regions only add thread wake-ups (docs/benchmarks.md, session 6). With at most 0
        // active levels every region runs on the calling thread; the regions write disjoint
        // entries, so results are unchanged.
        // Looked up at run time: libgomp is only present as CHOLMOD's dependency.
        if let symbol = dlsym(nil, "omp_set_max_active_levels") {
            unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Void).self)(0)
        }
        keepFreedMemory()
        return true
    }()

    /// glibc's malloc hands the freed top of a heap back to the kernel once it exceeds the trim
    /// threshold (by default twice the largest block it has returned by `munmap`, i.e. ≈ 1.3 MB
    /// after the first freed 280 × 280 matrix), and per-thread arenas do the same with
    /// `madvise(DONTNEED)`. A replication allocates and frees the same few megabytes of matrices
    /// each time, so every replication faulted them in again: ≈ 300 page faults per baseline
    /// replication in a real `spillsim run`, ≈ 0.2–0.27 s of system time per 600 replications
    /// (docs/benchmarks.md, session 9). Freed memory is kept for reuse instead: blocks up to
    /// 32 MB (glibc's own ceiling for its adaptive threshold) come from the heaps, and a heap is
    /// trimmed only when 1 GB lies free at its top. The peak memory of a run does not change (the
    /// kept pages are the ones the next replication reuses); results cannot (allocation only).
    private static func keepFreedMemory() {
        _ = spillsim_keep_freed_memory(32 << 20, 1 << 30)
    }

    /// Idempotent; cheap after the first call.
    @inline(__always) public static func ensureInitialised() {
        _ = initialised
    }

    /// Sets the number of OpenBLAS threads (1 by default; see above).
    public static func setBLASThreads(_ n: Int) {
        ensureInitialised()
        openblas_set_num_threads(Int32(max(1, n)))
    }

    public static var gslVersion: String { String(cString: spill_gsl_version()) }
    public static var blasConfig: String { String(cString: openblas_get_config()) }
}

import CLAPACK

/// Runs a GSL call and converts a nonzero status into a `GSLError`.
@inline(__always)
func gslCheck(_ function: String, _ status: Int32) throws {
    if status != Int32(GSL_SUCCESS) { throw GSLError(function: function, code: status) }
}

/// The pointer a GSL allocator returned, or a `GSLError` (GSL_ENOMEM) naming the allocator
/// when it returned nil.
func gslAllocated<T>(_ function: String, _ pointer: UnsafeMutablePointer<T>?) throws -> UnsafeMutablePointer<T> {
    guard let p = pointer else { throw GSLError(function: function, code: Int32(GSL_ENOMEM)) }
    return p
}
