import Foundation
import Numerics

/// The N × N matrix E through which a unit's exposure to the others' treatment, (E P)_it, enters
/// `SpatialMediation`'s mediator model (assumption A2 of docs/MODEL.md §10). By default E is the
/// outcome model's W; `exposure_weights: diffusion` (scenarios) or `--exposure-weights FILE.csv`
/// (data) name another one — for the city system, the generator's diffusion kernel V, through
/// which the policy's gain in D actually reaches the neighbours.
public struct ExposureWeights: Sendable {
    private enum Storage: Sendable { case dense(Matrix), sparse(SparseMatrix) }
    private let storage: Storage
    public let count: Int

    /// E = W of a validated spatial weights matrix (sparse when W is stored sparse).
    public init(_ w: SpatialWeights) {
        storage = w.sparse.map(Storage.sparse) ?? .dense(w.matrix)
        count = w.count
    }

    /// E given as a dense matrix: square, finite, non-negative, zero diagonal (the checks W gets,
    /// without its spectrum, which the mediator model does not need).
    public init(dense e: Matrix) throws {
        try Self.check(rows: e.rows, cols: e.cols, values: e.data, diagonal: (0..<min(e.rows, e.cols)).map { e[$0, $0] })
        storage = .dense(e)
        count = e.rows
    }

    public init(sparse e: SparseMatrix) throws {
        try Self.check(rows: e.rows, cols: e.cols, values: e.values, diagonal: e.diagonal())
        storage = .sparse(e)
        count = e.rows
    }

    private static func check(rows: Int, cols: Int, values: [Double], diagonal: [Double]) throws {
        guard rows == cols, rows >= 2 else { throw EstimationError("exposure weights: the matrix is \(rows)×\(cols); it must be square with at least 2 units") }
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw EstimationError("exposure weights: entries must be finite and non-negative")
        }
        if let i = diagonal.firstIndex(where: { $0 != 0 }) {
            throw EstimationError("exposure weights: nonzero diagonal entry at unit \(i + 1); a unit's own treatment is the separate regressor P, not part of its exposure")
        }
    }

    /// E applied period by period to a time-major panel vector (index t·N + i).
    public func applyPanel(_ x: [Double]) -> [Double] {
        switch storage {
        case .sparse(let e): return e.multiplyBlocks(x)
        case .dense(let e):
            return (e * Matrix(rows: count, cols: x.count / count, uncheckedColumnMajor: x)).data
        }
    }
}

extension ExposureWeights {
    /// An exposure matrix from a weights CSV in the layout of `--spatial-weights`, put in the panel's
    /// unit order and row-standardised (so (EP)_it is a weighted share of treated units, as with the
    /// generator's diffusion kernel). Rows of zeros are allowed: such a unit has no exposure.
    public static func read(csv url: URL, units: [String]) throws -> ExposureWeights {
        let table = try WeightsTable.read(csv: url)
        let inData = Set(units), inE = Set(table.ids)
        if let extra = table.ids.first(where: { !inData.contains($0) }) {
            throw DataError("\(url.path): the exposure weights have unit '\(extra)' that does not appear in the panel; they must cover the panel's units")
        }
        if let missing = units.first(where: { !inE.contains($0) }) {
            throw DataError("\(url.path): the panel's unit '\(missing)' is not in the exposure weights; they must cover the panel's units")
        }
        let e = try table.reorderedSparse(to: units, source: url.path).rowStandardised()
        do { return try ExposureWeights(sparse: e) } catch { throw DataError("\(url.path): \(error)") }
    }
}
