import Foundation

/// The spectrum of one W together with the W it was computed from (held by `SpatialWeights`).
final class SharedSpectrum: Sendable {
    let rows: Int
    let w: [Double]
    let spectrum: WeightSpectrum
    /// `spectrum` as the log-determinant source of `SpatialWeights` (boxed once, not on every read).
    let source: any LogDeterminantSource
    /// The cross-unit term of the cluster and Conley sandwiches in O(N²) (nodes built on first use).
    let squaredG: SquaredGSeries?
    /// W, V and Vᵀ (V the symmetric form's eigenvectors) packed for the products with them, each on first
    /// use (`PackedOperand`; keys `packedW`, `packedVectors`, `packedVectorsTransposed`).
    private let packed = PackedOperands()

    init(rows: Int, w: [Double], spectrum: WeightSpectrum) {
        self.rows = rows
        self.w = w
        self.spectrum = spectrum
        source = spectrum
        squaredG = spectrum.symmetricForm.map { SquaredGSeries(vectors: $0.vectors, omega: spectrum.real) }
    }

    /// W packed (nil where `PackedOperand.make` gives none).
    var packedW: PackedOperand? {
        packed.operand(0) { PackedOperand.make(Matrix(rows: rows, cols: rows, uncheckedColumnMajor: w), transposed: false) }
    }

    /// V or Vᵀ packed (nil without a symmetric form or where `PackedOperand.make` gives none).
    func packedVectors(transposed: Bool) -> PackedOperand? {
        guard let f = spectrum.symmetricForm else { return nil }
        return packed.operand(transposed ? 2 : 1) { PackedOperand.make(f.vectors, transposed: transposed) }
    }
}

/// How a `SpatialWeights` holds its spectrum: none (the sparse methods), computed, or computed on first use.
enum SpectrumHolding: Sendable {
    case none
    case ready(SharedSpectrum)
    case deferred(DeferredSpectrum)
}

/// The spectrum of a W computed on first use, once: `get` through `SpectrumCache` (so it is the same
/// object, and bits, as computing it at construction); two threads that ask at once may both compute it
/// (identically) and the first stored is kept. Reads after that take an uncontended lock.
final class DeferredSpectrum: @unchecked Sendable {
    private let w: Matrix
    private let lock = NSLock()
    private var stored: SharedSpectrum?   // read and written under `lock`

    init(_ w: Matrix) { self.w = w }

    /// The spectrum if it has been computed, else nil (computes nothing).
    var ifResolved: SharedSpectrum? {
        lock.lock(); defer { lock.unlock() }
        return stored
    }

    func get() throws -> SharedSpectrum {
        if let s = ifResolved { return s }
        let made = try SpectrumCache.spectrum(of: w)
        lock.lock(); defer { lock.unlock() }
        if stored == nil { stored = made }
        return stored!
    }

    var isResolved: Bool { ifResolved != nil }

    /// The spectrum for the non-throwing readers of `SpatialWeights`. Whoever defers a spectrum resolves it
    /// (`SpatialWeights.resolveSpectrum`, which throws) before anything reads it, so this computes only
    /// when that contract is broken — and stops there if computing fails, rather than give a W without one.
    var resolved: SharedSpectrum {
        if let s = ifResolved { return s }
        do { return try get() } catch {
            preconditionFailure("the deferred spectrum of a W was read before it was resolved, and computing it failed: \(error)")
        }
    }
}

/// The spectra of the weight matrices alive in this process, found by W's content. Design cells
/// that share a W (a grid over outcome or estimator settings on one geography, the same
/// estimator W in every cell) then share one O(N³) eigen-decomposition: `run` and `validate`
/// build every cell before the first replication, and inverted-u-recovery's 20 cells hold 3
/// distinct true W. An entry is a weak reference, alive only while some `SpatialWeights` holds
/// its spectrum, so the cache keeps no memory of its own. A hit requires W equal bit for bit
/// (not merely ==, which equates −0 and 0), so a cached spectrum is exactly the one
/// `WeightSpectrum(W)` would compute again.
enum SpectrumCache {
    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var entries: [Int: [Weak]] = [:]
    }
    private struct Weak { weak var value: SharedSpectrum? }
    private static let store = Store()

    static func spectrum(of w: Matrix) throws -> SharedSpectrum {
        let key = hash(w)
        if let hit = lookup(w, key: key) { return hit }
        // Computed outside the lock: two threads asking for the same new W compute it twice
        // (identically) rather than one waiting; the second insert is simply another entry.
        let made = SharedSpectrum(rows: w.rows, w: w.data, spectrum: try WeightSpectrum(w))
        store.lock.lock(); defer { store.lock.unlock() }
        var bucket = store.entries[key, default: []].filter { $0.value != nil }
        bucket.append(Weak(value: made))
        store.entries[key] = bucket
        // Drop the buckets whose weights have all gone (a W rebuilt every replication leaves one each).
        if store.entries.count > 64 { store.entries = store.entries.filter { $0.value.contains { $0.value != nil } } }
        return made
    }

    private static func lookup(_ w: Matrix, key: Int) -> SharedSpectrum? {
        store.lock.lock(); defer { store.lock.unlock() }
        return store.entries[key]?.lazy.compactMap(\.value).first { $0.rows == w.rows && sameBits($0.w, w.data) }
    }

    private static func hash(_ w: Matrix) -> Int {
        var h = Hasher()
        h.combine(w.rows)
        w.data.withUnsafeBytes { h.combine(bytes: $0) }
        return h.finalize()
    }

    private static func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return a.count == b.count }
        return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0 } }
    }
}
