import Foundation
import Numerics

/// A user's panel with missing city-years, and the W_t of each year, ready to fit.
public struct UnbalancedDataset: Sendable {
    public let panel: UnbalancedPanel
    public let weights: PeriodWeights
    public let units: [String]
    public let times: [Double]
    public let quadratic: QuadraticTerms?
    /// Raw values of the quadratic regressor and moderator over the rows used.
    public let quadraticValues: [Double]?
    public let moderatorValues: [Double]?
    /// Unit-periods with no row in the file, and rows present but with an empty (NA) cell in a
    /// column the model uses — both left out.
    public let absentRows: Int
    public let rowsWithEmptyCells: Int
    /// Cities merged in the panel (their merged units are the last `merges.count` of `units`).
    public var merges: [CityMerges.Merge] = []
    /// City-years that exist: every unit in every period, less a merge's parts from its year on
    /// and the merged city before it.
    public var cityYears: Int { panel.n * panel.t - structurallyAbsent }
    var structurallyAbsent = 0
    /// W over every unit (merged units appended), row-standardised when asked: what each W_t restricts.
    public var fullWeights: SparseMatrix? = nil
}

extension DataTable {
    /// The column as numbers with missing cells (empty, NA, NaN) as nil; text is an error naming the row.
    public func numbersAllowingMissing(_ name: String) throws -> [Double?] {
        let j = try columnIndex(name)
        return try rows.enumerated().map { i, r in
            let s = r[j].trimmingCharacters(in: .whitespaces)
            if s.isEmpty || ["NA", "NAN", "."].contains(s.uppercased()) { return nil }
            guard let v = Double(s), v.isFinite else {
                throw DataError("\(source): column '\(name)' has '\(s)', not a number, at line \(i + 2)")
            }
            return v
        }
    }
}

/// What `UnbalancedDataLoader.load` found.
public enum LoadedPanel: Sendable {
    /// Every unit in every period with every model column filled: use the balanced loader and estimator.
    case balanced
    case unbalanced(UnbalancedDataset)
}

public enum UnbalancedDataLoader {
    /// Reads a long panel in which unit-periods may be absent (no row) or have empty cells in
    /// the outcome or a regressor (the row is then left out, and counted). W is matched by id as
    /// for a balanced panel — a unit of the panel missing from W, or of W missing from the
    /// panel, is the same error — and restricted to each year's cities (`PeriodWeights`).
    public static func load(data: URL, weights: URL, id: String, time: String, y: String, x: [String],
                            quadratic: String? = nil, moderator: String? = nil, rowStandardise: Bool = true,
                            restandardise: Bool = true, logDeterminant: LogDeterminantMethod = .auto,
                            merges: CityMerges? = nil) throws -> LoadedPanel {
        let table = try DataTable.read(csv: data)
        // Without merges W's units are the panel's (with them, W is of the geography before the merges).
        let units = merges == nil ? WeightsTable.PanelUnits(ids: Set(try table.ids(id)), source: table.source, column: id) : nil
        return try build(table: table, weights: WeightsTable.read(csv: weights, panel: units), weightsSource: weights.path,
                  id: id, time: time, y: y, x: x, quadratic: quadratic, moderator: moderator, rowStandardise: rowStandardise,
                  restandardise: restandardise, logDeterminant: logDeterminant, merges: merges)
    }

    /// `load` on tables already read (an observed design hashes the bytes it parses).
    public static func build(table: DataTable, weights wt: WeightsTable, weightsSource wsrc: String, id: String, time: String,
                             y: String, x: [String], quadratic: String? = nil, moderator: String? = nil, rowStandardise: Bool = true,
                             restandardise: Bool = true, logDeterminant: LogDeterminantMethod = .auto,
                             merges: CityMerges? = nil) throws -> LoadedPanel {
        let src = table.source
        if let merges {
            try merges.check(weightIDs: wt.ids, weightsSource: wsrc)
            if !restandardise {
                throw DataError("\(merges.source): with merges W_t must be re-standardised (restricting without it would mix the row sums of the geographies before and after a merge); use the re-standardised year weights")
            }
        }
        let mergeList = merges?.merges ?? []
        let mergedIDs = mergeList.map(\.unitID)
        guard !x.isEmpty else { throw DataError("\(src): give at least one regressor") }
        if let dup = Dictionary(grouping: x, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw DataError("regressor '\(dup)' is listed twice among the regressors")
        }
        var ids = try table.ids(id)
        let rawTimes = try table.numbersAllowingMissing(time)
        if let bad = rawTimes.firstIndex(where: { $0 == nil }) {
            throw DataError("\(src): column '\(time)' has a missing value at line \(bad + 2); every row needs its period")
        }
        let yCol = try table.numbersAllowingMissing(y)
        var gone = Set<Int>()
        if !mergeList.isEmpty {
            (ids, gone) = try relabel(ids: ids, times: rawTimes.map { $0! }, outcomeEmpty: yCol.map { $0 == nil },
                                      merges: mergeList, source: src, mergesSource: merges!.source)
        }
        let inData = Set(ids), inW = Set(wt.ids + mergedIDs)
        if let extra = (wt.ids + mergedIDs).first(where: { !inData.contains($0) }) {
            throw DataError("\(wsrc): W has unit '\(extra)' that does not appear in \(src) (column '\(id)'); W and the panel must cover the same units")
        }
        let notInW = inData.filter { !inW.contains($0) }.sorted()
        if !notInW.isEmpty {
            throw DataError("\(wsrc): W has \(wt.ids.count) unit(s), the panel \(src) \(inData.count); ids of the panel not in W: \(notInW.prefix(5).joined(separator: ", "))\(notInW.count > 5 ? ", …" : ""); W and the panel must cover the same units")
        }
        guard quadratic.map(x.contains) ?? true else {
            throw DataError("the quadratic regressor '\(quadratic!)' must also be one of the regressors")
        }
        if moderator != nil && quadratic == nil {
            throw DataError("a moderator needs a quadratic regressor (the moderator interacts with it)")
        }
        let units = wt.ids + mergedIDs
        let times = Array(Set(rawTimes.map { $0! })).sorted()
        let uIndex = Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1, $0) })
        let tIndex = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, $0) })
        var columns = try x.map { try table.numbersAllowingMissing($0) }
        var names = x
        if let q = quadratic {
            let cq = columns[x.firstIndex(of: q)!]
            names.append(SpatialDataLoader.squareName(q)); columns.append(cq.map { $0.map { $0 * $0 } })
            if let d = moderator {
                let cd = try x.firstIndex(of: d).map { columns[$0] } ?? table.numbersAllowingMissing(d)
                if !x.contains(d) { names.append(d); columns.append(cd) }
                names.append(SpatialDataLoader.interactionName(q, d))
                columns.append(zip(cq, cd).map { a, b in a.flatMap { a in b.map { a * $0 } } })
            }
        }
        var seen = [Int](repeating: -1, count: units.count * times.count)
        var keep: [Int] = [], unit: [Int] = [], period: [Int] = []
        var emptyCells = 0
        for r in 0..<table.rowCount where !gone.contains(r) {
            let i = uIndex[ids[r]]!, p = tIndex[rawTimes[r]!]!
            let k = p * units.count + i
            if seen[k] >= 0 {
                throw DataError("\(src): unit '\(ids[r])' appears twice in period \(PanelIndex.format(times[p])) (lines \(seen[k] + 2) and \(r + 2))")
            }
            seen[k] = r
            guard yCol[r] != nil, columns.allSatisfy({ $0[r] != nil }) else { emptyCells += 1; continue }
            keep.append(r); unit.append(i); period.append(p)
        }
        guard !keep.isEmpty else { throw DataError("\(src): no row has every model column filled") }
        // Checked here, on the panel, rather than by `PeriodWeights` (which knows neither the file
        // nor the time value): a period with one city is most often a mistyped time value.
        var rowsOfPeriod = [[Int]](repeating: [], count: times.count)
        for (q, r) in keep.enumerated() { rowsOfPeriod[period[q]].append(r) }
        if let p = rowsOfPeriod.firstIndex(where: { $0.count < 2 }) {
            let rows = rowsOfPeriod[p], k = rows.count, period = PanelIndex.format(times[p])
            let need = "a spatial model needs at least 2 cities in every period"
            if k == 0 {
                // The period is in the file, but every row of it lacks a model value: no time value
                // is wrong, its rows are incomplete.
                let periodRows = (0..<table.rowCount).filter { !gone.contains($0) && rawTimes[$0] == times[p] }
                let model = [(y, yCol)] + zip(names, columns).filter { x.contains($0.0) || $0.0 == moderator }
                let empty = model.filter { _, col in periodRows.contains { col[$0] == nil } }.map { "'\($0.0)'" }
                throw DataError("\(src): column '\(time)' has period \(period) with 0 cities observed: each of its \(periodRows.count) rows has an empty model cell (column\(empty.count == 1 ? "" : "s") \(empty.joined(separator: ", "))); \(need): fill those cells or drop the period's rows")
            }
            let whereText = k == 1 ? " (line \(rows[0] + 2), \(id) '\(ids[rows[0]])')" : ""
            throw DataError("\(src): column '\(time)' has period \(period) with \(k) cit\(k == 1 ? "y" : "ies") observed\(whereText); \(need): correct the time value or drop the period's rows")
        }
        var xm = Matrix(rows: keep.count, cols: names.count)
        for j in 0..<names.count { for (q, r) in keep.enumerated() { xm[q, j] = columns[j][r]! } }
        let panel = try UnbalancedPanel(y: keep.map { yCol[$0]! }, x: xm, names: names, n: units.count, t: times.count,
                                        unit: unit, period: period)
        if panel.isBalanced && mergeList.isEmpty { return .balanced }
        var w = mergeList.isEmpty ? try wt.reorderedSparse(to: units, source: wsrc) : try merges!.extend(wt.sparse, ids: wt.ids)
        if rowStandardise { w = w.rowStandardised() }
        let pw: PeriodWeights
        do { pw = try PeriodWeights(w: w, panel: panel, restandardise: restandardise, logDeterminant: logDeterminant) } catch {
            throw DataError("\(wsrc): \(error)")
        }
        let structural = mergeList.reduce(0) { acc, m in
            let after = times.filter { $0 >= m.year }.count
            return acc + m.parts.count * after + (times.count - after)
        }
        // Values in the panel's (time-major) row order for the percentiles of the curves.
        let qv = quadratic.map { q in panel.x.column(names.firstIndex(of: q)!) }
        let dv = moderator.map { d in panel.x.column(names.firstIndex(of: d)!) }
        return .unbalanced(UnbalancedDataset(panel: panel, weights: pw, units: units, times: times,
                                 quadratic: quadratic.map { q in
                                     QuadraticTerms(linear: q, square: SpatialDataLoader.squareName(q),
                                                    interaction: moderator.map { SpatialDataLoader.interactionName(q, $0) },
                                                    moderator: moderator)
                                 },
                                 quadraticValues: qv, moderatorValues: dv,
                                 absentRows: units.count * times.count - structural - (table.rowCount - gone.count), rowsWithEmptyCells: emptyCells,
                                 merges: mergeList, structurallyAbsent: structural, fullWeights: w))
    }

    /// The panel's ids with the merges applied: a part's rows from the merge year on are the
    /// merged city's when it is the absorbing city (same id); another part's rows then must have
    /// an empty outcome (the city no longer exists: such rows are returned in `gone`, neither used
    /// nor counted as gaps — `spillsim generate` writes them so), else it is an error; the merged
    /// city has no row before its year.
    static func relabel(ids: [String], times: [Double], outcomeEmpty: [Bool], merges: [CityMerges.Merge],
                        source: String, mergesSource: String) throws -> (ids: [String], gone: Set<Int>) {
        var partOf: [String: CityMerges.Merge] = [:], merged: [String: CityMerges.Merge] = [:]
        for m in merges {
            for p in m.parts { partOf[p] = m }
            if !m.absorbs { merged[m.into] = m }
        }
        let first = times.min() ?? 0, last = times.max() ?? 0
        for m in merges where !(m.year > first && m.year <= last) {
            throw DataError("\(mergesSource): '\(m.into)' merges in \(PanelIndex.format(m.year)), outside the panel's periods after the first (\(PanelIndex.format(first))–\(PanelIndex.format(last))); a merge before or at the first period is a city of the panel, not a merge")
        }
        var out = ids, gone = Set<Int>()
        for r in 0..<ids.count {
            let when = times[r]
            if let m = partOf[ids[r]], when >= m.year {
                if m.into != ids[r] && outcomeEmpty[r] { gone.insert(r); continue }
                guard m.into == ids[r] else {
                    throw DataError("\(source): city '\(ids[r])' has a row in \(PanelIndex.format(when)) (line \(r + 2)), but it merges into '\(m.into)' from \(PanelIndex.format(m.year)) (\(mergesSource)); from then on its data are the merged city's: leave its outcome empty or drop the row")
                }
                out[r] = m.unitID
            } else if let m = merged[ids[r]], when < m.year {
                throw DataError("\(source): the merged city '\(ids[r])' has a row in \(PanelIndex.format(when)) (line \(r + 2)), before its merge year \(PanelIndex.format(m.year)) (\(mergesSource))")
            }
        }
        return (out, gone)
    }
}
