import Foundation
import Numerics

/// A user's panel and weight matrix, read, matched by id and checked, ready to fit.
public struct SpatialDataset: Sendable {
    public let panel: SpatialPanel
    public let weights: SpatialWeights
    public let units: [String]
    public let times: [Double]
    /// Present with `--quadratic`: the constructed terms and the raw values of the
    /// quadratic regressor and moderator (time-major), for percentiles.
    public let quadratic: QuadraticTerms?
    public let quadraticValues: [Double]?
    public let moderatorValues: [Double]?
}

/// Reads a long panel CSV and a weight-matrix CSV into a `SpatialDataset`.
public enum SpatialDataLoader {
    /// Name of the constructed square of a regressor.
    public static func squareName(_ x: String) -> String { "\(x)^2" }
    /// Name of the constructed interaction of a regressor with a moderator.
    public static func interactionName(_ x: String, _ d: String) -> String { "\(x):\(d)" }

    /// - Parameters:
    ///   - quadratic: a regressor in `x` to enter also as its square `X^2`.
    ///   - moderator: with `quadratic`, a column D: the interaction `X:D` is added, and D itself if not in `x`.
    ///   - rowStandardise: divide each row of W by its sum (the convention of the applied literature).
    ///   - logDeterminant: how log|I − ρW| is computed (`auto`: the spectrum up to
    ///     `SpatialWeights.exactSizeLimit` units, a sparse Cholesky above).
    ///   - balanceNeededBy: who needs the panel balanced and why, for the refusal of one with gaps
    ///     (nil: `PanelIndex.build`'s general wording).
    public static func load(data: URL, weights: URL, id: String, time: String, y: String, x: [String],
                            quadratic: String? = nil, moderator: String? = nil,
                            rowStandardise: Bool = true, logDeterminant: LogDeterminantMethod = .auto,
                            balanceNeededBy: String? = nil) throws -> SpatialDataset {
        let table = try DataTable.read(csv: data)
        let wt = try WeightsTable.read(csv: weights, panel: .init(ids: Set(try table.ids(id)), source: table.source, column: id))
        return try build(table: table, weights: wt, weightsSource: weights.path, id: id, time: time, y: y, x: x,
                         quadratic: quadratic, moderator: moderator, rowStandardise: rowStandardise,
                         logDeterminant: logDeterminant, balanceNeededBy: balanceNeededBy)
    }

    public static func build(table: DataTable, weights wt: WeightsTable, weightsSource: String, id: String, time: String,
                             y yName: String, x xNames: [String], quadratic: String?, moderator: String?,
                             rowStandardise: Bool, logDeterminant: LogDeterminantMethod = .auto,
                             balanceNeededBy: String? = nil) throws -> SpatialDataset {
        let src = table.source
        guard !xNames.isEmpty else { throw DataError("\(src): give at least one regressor") }
        if let dup = Dictionary(grouping: xNames, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw DataError("regressor '\(dup)' is listed twice among the regressors")
        }
        let ids = try table.ids(id)
        let inData = Set(ids)
        if let extra = wt.ids.first(where: { !inData.contains($0) }) {
            throw DataError("\(weightsSource): W has unit '\(extra)' that does not appear in \(src) (column '\(id)'); W and the panel must cover the same units")
        }
        let inW = Set(wt.ids)
        let notInW = inData.filter { !inW.contains($0) }.sorted()
        if !notInW.isEmpty {
            throw DataError("\(weightsSource): W has \(wt.ids.count) unit(s), the panel \(src) \(inData.count); ids of the panel not in W: \(notInW.prefix(5).joined(separator: ", "))\(notInW.count > 5 ? ", …" : ""); W and the panel must cover the same units")
        }
        let times = try table.numbers(time)
        let index = try balanceNeededBy.map { try PanelIndex.build(ids: ids, times: times, source: src, unitOrder: wt.ids, balanceNeededBy: $0) }
            ?? PanelIndex.build(ids: ids, times: times, source: src, unitOrder: wt.ids)
        let yv = index.arrange(try table.numbers(yName))
        var names = xNames
        var cols = try xNames.map { index.arrange(try table.numbers($0)) }
        var terms: QuadraticTerms? = nil
        var qValues: [Double]? = nil, dValues: [Double]? = nil
        if let q = quadratic {
            guard let qi = xNames.firstIndex(of: q) else {
                throw DataError("the quadratic regressor '\(q)' must also be one of the regressors")
            }
            let cq = cols[qi]
            qValues = cq
            names.append(squareName(q)); cols.append(cq.map { $0 * $0 })
            var inter: String? = nil
            if let d = moderator {
                let cd: [Double]
                if let di = xNames.firstIndex(of: d) { cd = cols[di] } else {
                    cd = index.arrange(try table.numbers(d))
                    names.append(d); cols.append(cd)
                }
                dValues = cd
                inter = interactionName(q, d)
                names.append(inter!); cols.append(zip(cq, cd).map { $0 * $1 })
            }
            terms = QuadraticTerms(linear: q, square: squareName(q), interaction: inter, moderator: moderator)
        } else if moderator != nil {
            throw DataError("a moderator needs a quadratic regressor (the moderator interacts with it)")
        }
        let panel = try SpatialPanel(y: yv, x: try Matrix(columns: cols), names: names, n: index.n, t: index.t)
        let weights = try self.weights(wt, source: weightsSource, units: index.units, rowStandardise: rowStandardise,
                                       logDeterminant: logDeterminant)
        return SpatialDataset(panel: panel, weights: weights, units: index.units, times: index.times,
                              quadratic: terms, quadraticValues: qValues, moderatorValues: dValues)
    }

    /// A further W for a panel already loaded: read, matched to its units' order
    /// (a W with other or missing ids is refused) and optionally row-standardised.
    public static func weights(_ url: URL, units: [String], rowStandardise: Bool,
                               logDeterminant: LogDeterminantMethod = .auto) throws -> SpatialWeights {
        try weights(try WeightsTable.read(csv: url), source: url.path, units: units, rowStandardise: rowStandardise,
                    logDeterminant: logDeterminant)
    }

    static func weights(_ wt: WeightsTable, source: String, units: [String], rowStandardise: Bool,
                        logDeterminant: LogDeterminantMethod) throws -> SpatialWeights {
        let inW = Set(wt.ids), inData = Set(units)
        if let extra = wt.ids.first(where: { !inData.contains($0) }) {
            throw DataError("\(source): W has unit '\(extra)' that does not appear in the panel; W and the panel must cover the same units")
        }
        if let missing = units.first(where: { !inW.contains($0) }) {
            throw DataError("\(source): the panel's unit '\(missing)' is not in W; W and the panel must cover the same units")
        }
        var w = try wt.reorderedSparse(to: units, source: source)
        if rowStandardise { w = w.rowStandardised() }
        do { return try SpatialWeights(sparse: w, logDeterminant: logDeterminant) } catch {
            throw DataError("\(source): \(error)")
        }
    }
}
