import Foundation
import Numerics

/// A spatial weight matrix read from CSV with the unit ids of its rows and columns.
///
/// Two layouts are recognised from the header:
/// * dense: first column `id`, then one column per unit id; row i gives w_ij;
/// * edge list: columns `from`, `to`, `weight` (any order, extra columns refused);
///   pairs not listed are zero.
/// Ids are text and are matched to a panel's ids by value, never by position.
public struct WeightsTable: Sendable {
    public let ids: [String]
    /// W with rows and columns in `ids` order, as read (not normalised), in compressed rows:
    /// an edge list of a 50,000-unit W never becomes a dense array.
    public let sparse: SparseMatrix
    /// The dense copy (O(N²) memory).
    public var matrix: Matrix { sparse.dense() }

    public init(ids: [String], matrix: Matrix) {
        self.ids = ids
        sparse = SparseMatrix(dense: matrix)!
    }

    public init(ids: [String], sparse: SparseMatrix) {
        self.ids = ids
        self.sparse = sparse
    }

    /// The ids of the panel a W is read for: an id of W that is not among them is named as such
    /// before W's own checks, which would otherwise call it an island (no neighbours) or fail
    /// on something that is not W's fault.
    public struct PanelUnits: Sendable {
        public let ids: Set<String>
        /// The panel file and its id column, for the message.
        public let source: String
        public let column: String
        public init(ids: Set<String>, source: String, column: String) {
            self.ids = ids; self.source = source; self.column = column
        }

        /// `lines(id)`: the lines of W that name `id`.
        func check(_ wIDs: [String], source: String, lines: (String) -> [Int]) throws {
            guard let extra = wIDs.first(where: { !ids.contains($0) }) else { return }
            let at = lines(extra).prefix(3).map(String.init).joined(separator: ", ")
            throw DataError("\(source): unit '\(extra)'\(at.isEmpty ? "" : " (line \(at))") is not in the panel \(self.source) (column '\(column)'); W and the panel must cover the same units: remove it from W or give the panel its rows")
        }
    }

    public static func read(csv url: URL, panel: PanelUnits? = nil) throws -> WeightsTable {
        try parse(DataTable.read(csv: url), panel: panel)
    }

    public static func parse(_ table: DataTable, panel: PanelUnits? = nil) throws -> WeightsTable {
        let src = table.source
        let lower = table.columnNames.map { $0.lowercased() }
        if Set(lower) == ["from", "to", "weight"] { return try edgeList(table, panel: panel) }
        guard lower.first == "id" else {
            throw DataError("\(src): a weight matrix CSV is either dense (first column 'id', header row of unit ids) or an edge list with columns from,to,weight; the header is '\(table.columnNames.joined(separator: ","))'")
        }
        let colIds = Array(table.columnNames.dropFirst())
        let rowIds = try table.strings(table.columnNames[0])
        guard rowIds.count == colIds.count else {
            throw DataError("\(src): W is not square: \(rowIds.count) rows but \(colIds.count) id columns; every unit needs a row and a column")
        }
        if let dup = duplicate(rowIds) { throw DataError("\(src): id '\(dup)' labels two rows") }
        guard Set(rowIds) == Set(colIds) else {
            let missing = Set(colIds).subtracting(rowIds).sorted().prefix(5)
            throw DataError("\(src): W is not square in its ids: column ids without a row: \(missing.joined(separator: ", "))")
        }
        try panel?.check(rowIds, source: src) { id in rowIds.firstIndex(of: id).map { [$0 + 2] } ?? [] }
        let n = rowIds.count
        let colPos = Dictionary(uniqueKeysWithValues: rowIds.enumerated().map { ($1, $0) })
        var w = Matrix(rows: n, cols: n)
        for (c, id) in colIds.enumerated() {
            let values = try table.numbers(table.columnNames[c + 1], remedy: "every cell of W needs a number (0 for no link)")
            let j = colPos[id]!
            for i in 0..<n { w[i, j] = values[i] }
        }
        return try validated(ids: rowIds, matrix: w, source: src)
    }

    static func edgeList(_ table: DataTable, panel: PanelUnits?) throws -> WeightsTable {
        let src = table.source
        let name = { (want: String) in table.columnNames.first { $0.lowercased() == want }! }
        let from = try table.strings(name("from")), to = try table.strings(name("to"))
        let weight = try table.numbers(name("weight"), remedy: "every edge needs a numeric weight (leave out the pairs that are not linked)")
        var ids: [String] = []
        var pos: [String: Int] = [:]
        for id in from + to where pos[id] == nil { pos[id] = ids.count; ids.append(id) }
        try panel?.check(ids, source: src) { id in (0..<from.count).filter { from[$0] == id || to[$0] == id }.map { $0 + 2 } }
        ids.sort { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }
        pos = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let n = ids.count
        var seen = Set<Int>()
        var triplets: [(row: Int, col: Int, value: Double)] = []
        triplets.reserveCapacity(from.count)
        for k in 0..<from.count {
            let i = pos[from[k]]!, j = pos[to[k]]!
            guard seen.insert(i * n + j).inserted else {
                throw DataError("\(src): the pair \(from[k]) → \(to[k]) is listed twice (line \(k + 2))")
            }
            guard weight[k].isFinite else { throw DataError("\(src): weight \(weight[k]) on line \(k + 2) is not a finite number") }
            triplets.append((i, j, weight[k]))
        }
        return try validated(ids: ids, matrix: SparseMatrix(rows: n, cols: n, triplets: triplets), source: src)
    }

    static func validated(ids: [String], matrix w: Matrix, source: String) throws -> WeightsTable {
        guard let sparse = SparseMatrix(dense: w) else { throw DataError("\(source): internal: W could not be compressed") }
        return try validated(ids: ids, matrix: sparse, source: source)
    }

    static func validated(ids: [String], matrix w: SparseMatrix, source: String) throws -> WeightsTable {
        let n = ids.count
        if n < 2 {
            throw DataError("\(source): W has \(n) unit\(n == 1 ? " ('\(ids[0])')" : "s"); a weight matrix needs a row and a column for every unit of the panel (at least 2) — is this the full matrix?")
        }
        for i in 0..<n where w[i, i] != 0 {
            throw DataError("\(source): unit '\(ids[i])' is its own neighbour (w_ii = \(w[i, i])); the diagonal must be zero")
        }
        for i in 0..<n {
            for k in w.rowStart[i]..<w.rowStart[i + 1] where w.values[k] < 0 {
                throw DataError("\(source): negative weight from '\(ids[i])' to '\(ids[w.columns[k]])'")
            }
        }
        let sums = w.rowSums()
        let islands = (0..<n).filter { sums[$0] == 0 }.map { ids[$0] }
        if !islands.isEmpty {
            throw DataError("\(source): \(islands.count) unit(s) have no neighbours (islands: \(islands.prefix(5).joined(separator: ", "))); connect them or drop them from the panel and W")
        }
        return WeightsTable(ids: ids, sparse: w)
    }

    /// The matrix reordered to `order` (e.g. the panel's unit ids). Throws when the id sets differ.
    public func reordered(to order: [String], source: String) throws -> Matrix {
        try reorderedSparse(to: order, source: source).dense()
    }

    /// The matrix reordered to `order`, kept sparse (what the loader uses at any N).
    public func reorderedSparse(to order: [String], source: String) throws -> SparseMatrix {
        let pos = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        if let missing = order.first(where: { pos[$0] == nil }) {
            throw DataError("\(source): unit '\(missing)' of the panel has no row in the weight matrix")
        }
        let inOrder = Set(order)
        if let extra = ids.first(where: { !inOrder.contains($0) }) {
            throw DataError("\(source): W has unit '\(extra)' that does not appear in the panel; W and the panel must cover the same units")
        }
        var newIndex = [Int](repeating: 0, count: ids.count)
        for (k, id) in order.enumerated() { newIndex[pos[id]!] = k }
        var t: [(row: Int, col: Int, value: Double)] = []
        t.reserveCapacity(sparse.nonzeroCount)
        for i in 0..<sparse.rows {
            for k in sparse.rowStart[i]..<sparse.rowStart[i + 1] { t.append((newIndex[i], newIndex[sparse.columns[k]], sparse.values[k])) }
        }
        return try SparseMatrix(rows: order.count, cols: order.count, triplets: t)
    }

    /// Each row divided by its sum (the usual normalisation; islands were refused on reading).
    public static func rowStandardised(_ m: Matrix) -> Matrix {
        var w = m
        let s = m.rowSums()
        for j in 0..<m.cols { for i in 0..<m.rows { w[i, j] /= s[i] } }
        return w
    }

    private static func duplicate(_ a: [String]) -> String? {
        var seen = Set<String>()
        for x in a where !seen.insert(x).inserted { return x }
        return nil
    }
}
