import Foundation

/// A real sparse matrix in compressed rows (CSR): the nonzeros of row i are
/// `values[rowStart[i]..<rowStart[i + 1]]` at columns `columns[…]`, ascending.
///
/// The form spatial weights take when most pairs of units are not neighbours
/// (contiguity, kNN, distance bands): products cost O(nnz) instead of O(N²), and
/// no N × N array is ever allocated (at N = 10,000 that array alone is 800 MB).
public struct SparseMatrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public let rowStart: [Int]
    public let columns: [Int]
    public let values: [Double]

    public var nonzeroCount: Int { values.count }

    /// Wraps CSR arrays whose shape the caller guarantees (sorted, in range).
    init(rows: Int, cols: Int, uncheckedRowStart: [Int], columns: [Int], values: [Double]) {
        self.rows = rows
        self.cols = cols
        rowStart = uncheckedRowStart
        self.columns = columns
        self.values = values
    }

    /// Wraps CSR arrays built row by row (no triplet copy: what large generators use), after
    /// checking their shape: rowStart non-decreasing from 0 to nnz, columns strictly ascending
    /// within a row and in range, values finite.
    public init(rows: Int, cols: Int, rowStart: [Int], columns: [Int], values: [Double]) throws {
        guard rows >= 0, cols >= 0, rowStart.count == rows + 1, rowStart.first == 0, rowStart.last == columns.count,
              columns.count == values.count else {
            throw NumericsError("compressed rows: \(rowStart.count) row starts, \(columns.count) columns and \(values.count) values do not describe a \(rows)×\(cols) matrix")
        }
        for i in 0..<rows {
            guard rowStart[i] <= rowStart[i + 1] else { throw NumericsError("compressed rows: row \(i + 1) starts after it ends") }
            for k in rowStart[i]..<rowStart[i + 1] {
                guard columns[k] >= 0, columns[k] < cols, k == rowStart[i] || columns[k - 1] < columns[k] else {
                    throw NumericsError("compressed rows: row \(i + 1) has columns out of range or not strictly ascending")
                }
                guard values[k].isFinite else { throw NumericsError("sparse entry (\(i + 1), \(columns[k] + 1)) is \(values[k])") }
            }
        }
        self.init(rows: rows, cols: cols, uncheckedRowStart: rowStart, columns: columns, values: values)
    }

    /// Builds the matrix from (row, column, value) triplets; duplicates are summed and
    /// exact zeros dropped. Throws on an index out of range or a non-finite value.
    public init(rows: Int, cols: Int, triplets: [(row: Int, col: Int, value: Double)]) throws {
        guard rows >= 0, cols >= 0 else { throw NumericsError("sparse matrix dimensions must be non-negative") }
        var count = [Int](repeating: 0, count: rows + 1)
        for t in triplets {
            guard t.row >= 0, t.row < rows, t.col >= 0, t.col < cols else {
                throw NumericsError("sparse entry (\(t.row + 1), \(t.col + 1)) lies outside a \(rows)×\(cols) matrix")
            }
            guard t.value.isFinite else { throw NumericsError("sparse entry (\(t.row + 1), \(t.col + 1)) is \(t.value)") }
            count[t.row + 1] += 1
        }
        for i in 0..<rows { count[i + 1] += count[i] }
        var next = count
        var cs = [Int](repeating: 0, count: triplets.count), vs = [Double](repeating: 0, count: triplets.count)
        for t in triplets { cs[next[t.row]] = t.col; vs[next[t.row]] = t.value; next[t.row] += 1 }
        var start = [0], outC: [Int] = [], outV: [Double] = []
        outC.reserveCapacity(triplets.count); outV.reserveCapacity(triplets.count)
        for i in 0..<rows {
            let order = (count[i]..<count[i + 1]).sorted { cs[$0] < cs[$1] }
            var k = 0
            while k < order.count {
                let c = cs[order[k]]
                var v = 0.0
                while k < order.count, cs[order[k]] == c { v += vs[order[k]]; k += 1 }
                if v != 0 { outC.append(c); outV.append(v) }
            }
            start.append(outC.count)
        }
        self.init(rows: rows, cols: cols, uncheckedRowStart: start, columns: outC, values: outV)
    }

    /// The nonzeros of a dense matrix; nil when more than `maximumDensity` of its
    /// entries are nonzero (dense BLAS is then faster than indexed products).
    public init?(dense w: Matrix, maximumDensity: Double = 1) {
        var nnz = 0
        for v in w.data where v != 0 { nnz += 1 }
        guard Double(nnz) <= maximumDensity * Double(w.rows * w.cols) else { return nil }
        var start = [0], cs: [Int] = [], vs: [Double] = []
        cs.reserveCapacity(nnz); vs.reserveCapacity(nnz)
        for i in 0..<w.rows {
            for j in 0..<w.cols where w[i, j] != 0 { cs.append(j); vs.append(w[i, j]) }
            start.append(cs.count)
        }
        self.init(rows: w.rows, cols: w.cols, uncheckedRowStart: start, columns: cs, values: vs)
    }

    /// The dense copy (O(rows × cols) memory: for output and small problems only).
    public func dense() -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<rows { for k in rowStart[i]..<rowStart[i + 1] { m[i, columns[k]] = values[k] } }
        return m
    }

    /// a_ij by binary search in row i (0 when absent).
    public subscript(i: Int, j: Int) -> Double {
        var lo = rowStart[i], hi = rowStart[i + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if columns[mid] < j { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowStart[i + 1] && columns[lo] == j ? values[lo] : 0
    }

    public func rowSums() -> [Double] {
        (0..<rows).map { i in (rowStart[i]..<rowStart[i + 1]).reduce(0) { $0 + values[$1] } }
    }

    public func diagonal() -> [Double] { (0..<min(rows, cols)).map { self[$0, $0] } }

    /// Ax.
    public func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == cols, "sparse product: vector of length \(x.count) for \(cols) columns")
        guard rows == cols else {   // rectangular (e.g. cities × knots): one pass over the rows
            return (0..<rows).map { i in (rowStart[i]..<rowStart[i + 1]).reduce(0.0) { $0 + values[$1] * x[columns[$1]] } }
        }
        return multiplyBlocks(x)
    }

    /// A applied to each consecutive block of `cols` values (the columns of a
    /// column-major cols × k matrix, or the periods of a time-major panel vector).
    public func multiplyBlocks(_ x: [Double]) -> [Double] {
        let n = rows
        precondition(n == cols && x.count % max(n, 1) == 0, "sparse block product: \(x.count) values for \(cols) columns")
        let total = x.count
        // Every value is written below (the sweeps cover all blocks), so no zero fill first.
        return [Double](unsafeUninitializedCapacity: total) { po, initialised in
            if n > 0, total / n >= Self.unitMajorBlocks { fillBlocksUnitMajor(x, into: po) } else { fillBlocks(x, into: po) }
            initialised = total
        }
    }

    /// From this many blocks on, `multiplyBlocks` lays the blocks out unit by unit and multiplies W's
    /// rows by contiguous rows (`multiplyRows`, vector kernels) instead of gathering one value per
    /// block and nonzero; the layout costs one pass each way. The same bits either way.
    static let unitMajorBlocks = 4

    /// `multiplyBlocks` through the unit-major layout (unit c's blocks side by side, padded with zeros
    /// to a multiple of 4).
    private func fillBlocksUnitMajor(_ x: [Double], into po: UnsafeMutableBufferPointer<Double>) {
        let n = rows, blocks = x.count / n, width = (blocks + 3) / 4 * 4
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n * width) { buffer in
            let unitMajor = buffer.baseAddress!
            x.withUnsafeBufferPointer { px in
                for c in 0..<n {
                    let u = unitMajor + c * width
                    for b in 0..<blocks { u[b] = px[b * n + c] }
                    for b in blocks..<width { u[b] = 0 }
                }
            }
            let out = po.baseAddress!
            multiplyRows(unitMajor: unitMajor, width: width) { i, row in
                for b in 0..<blocks { out[b * n + i] = row[b] }
            }
        }
    }

    /// `multiplyBlocks` by gathering (every block count): the reference the tests hold both layouts to.
    func multiplyBlocksGathering(_ x: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: x.count) { po, initialised in
            fillBlocks(x, into: po)
            initialised = x.count
        }
    }

    /// The body of `multiplyBlocks`: writes A times each block of `x` into `po` (same length).
    private func fillBlocks(_ x: [Double], into po: UnsafeMutableBufferPointer<Double>) {
        let n = rows
        let total = x.count
        x.withUnsafeBufferPointer { px in
            rowStart.withUnsafeBufferPointer { rs in
                columns.withUnsafeBufferPointer { cs in
                    values.withUnsafeBufferPointer { vs in
                        // Four blocks per sweep (then two, then one): the index and value loads
                        // are shared and the accumulation chains run in parallel (the loop is
                        // latency-bound). Each output is the same chain 0 + v₁x₁ + v₂x₂ + … in
                        // the row's order whatever the sweep width, so the results are the same bits.
                        var base = 0
                        while base + 3 * n < total {
                            let b1 = base + n, b2 = base + 2 * n, b3 = base + 3 * n
                            for i in 0..<n {
                                var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
                                for k in rs[i]..<rs[i + 1] {
                                    let c = cs[k], v = vs[k]
                                    a0 += v * px[base + c]
                                    a1 += v * px[b1 + c]
                                    a2 += v * px[b2 + c]
                                    a3 += v * px[b3 + c]
                                }
                                po[base + i] = a0
                                po[b1 + i] = a1
                                po[b2 + i] = a2
                                po[b3 + i] = a3
                            }
                            base += 4 * n
                        }
                        while base + n < total {
                            let base2 = base + n
                            for i in 0..<n {
                                var a = 0.0, b = 0.0
                                for k in rs[i]..<rs[i + 1] {
                                    let c = cs[k], v = vs[k]
                                    a += v * px[base + c]
                                    b += v * px[base2 + c]
                                }
                                po[base + i] = a
                                po[base2 + i] = b
                            }
                            base += 2 * n
                        }
                        if base < total {
                            for i in 0..<n {
                                var acc = 0.0
                                for k in rs[i]..<rs[i + 1] { acc += vs[k] * px[base + cs[k]] }
                                po[base + i] = acc
                            }
                        }
                    }
                }
            }
        }
    }

    /// Aᵀ.
    public func transposed() -> SparseMatrix {
        var count = [Int](repeating: 0, count: cols + 1)
        for c in columns { count[c + 1] += 1 }
        for j in 0..<cols { count[j + 1] += count[j] }
        var next = count
        var cs = [Int](repeating: 0, count: nonzeroCount), vs = [Double](repeating: 0, count: nonzeroCount)
        for i in 0..<rows {
            for k in rowStart[i]..<rowStart[i + 1] {
                let j = columns[k]
                cs[next[j]] = i; vs[next[j]] = values[k]; next[j] += 1
            }
        }
        return SparseMatrix(rows: cols, cols: rows, uncheckedRowStart: count, columns: cs, values: vs)
    }

    /// diag(left) · A · diag(right).
    public func scaled(left: [Double], right: [Double]) -> SparseMatrix {
        var vs = values
        for i in 0..<rows { for k in rowStart[i]..<rowStart[i + 1] { vs[k] *= left[i] * right[columns[k]] } }
        return SparseMatrix(rows: rows, cols: cols, uncheckedRowStart: rowStart, columns: columns, values: vs)
    }

    /// The binary pattern of A: every stored nonzero set to 1 (binary contiguity).
    public func pattern() -> SparseMatrix {
        SparseMatrix(rows: rows, cols: cols, uncheckedRowStart: rowStart, columns: columns,
                     values: [Double](repeating: 1, count: nonzeroCount))
    }

    /// The rows and columns of `units` (in that order): W restricted to a set of units,
    /// explicit zeros dropped.
    public func restricted(to units: [Int]) throws -> SparseMatrix {
        var position = [Int](repeating: -1, count: rows)
        for (k, i) in units.enumerated() { position[i] = k }
        var start = [0], cs: [Int] = [], vs: [Double] = []
        for i in units {
            for k in rowStart[i]..<rowStart[i + 1] where position[columns[k]] >= 0 && values[k] != 0 {
                cs.append(position[columns[k]]); vs.append(values[k])
            }
            start.append(cs.count)
        }
        return try SparseMatrix(rows: units.count, cols: units.count, rowStart: start, columns: cs, values: vs)
    }

    /// Each row divided by its sum (rows summing to zero are left as they are).
    /// Divides (not multiplies by the reciprocal), so the entries equal a dense w_ij / Σ_j w_ij bit for bit.
    public func rowStandardised() -> SparseMatrix {
        let s = rowSums()
        var vs = values
        for i in 0..<rows where s[i] != 0 { for k in rowStart[i]..<rowStart[i + 1] { vs[k] /= s[i] } }
        return SparseMatrix(rows: rows, cols: cols, uncheckedRowStart: rowStart, columns: columns, values: vs)
    }

    /// The sparse product AB (Gustavson's row-by-row algorithm, columns sorted).
    public static func * (a: SparseMatrix, b: SparseMatrix) -> SparseMatrix {
        precondition(a.cols == b.rows, "sparse product: \(a.rows)×\(a.cols) times \(b.rows)×\(b.cols)")
        var acc = [Double](repeating: 0, count: b.cols)
        var mark = [Int](repeating: -1, count: b.cols)
        var start = [0], cs: [Int] = [], vs: [Double] = []
        var touched: [Int] = []
        for i in 0..<a.rows {
            touched.removeAll(keepingCapacity: true)
            for ka in a.rowStart[i]..<a.rowStart[i + 1] {
                let j = a.columns[ka], av = a.values[ka]
                for kb in b.rowStart[j]..<b.rowStart[j + 1] {
                    let c = b.columns[kb]
                    if mark[c] != i { mark[c] = i; acc[c] = 0; touched.append(c) }
                    acc[c] += av * b.values[kb]
                }
            }
            touched.sort()
            for c in touched { cs.append(c); vs.append(acc[c]) }
            start.append(cs.count)
        }
        return SparseMatrix(rows: a.rows, cols: b.cols, uncheckedRowStart: start, columns: cs, values: vs)
    }

    /// tr(AB) = Σ_ij a_ij b_ji without forming AB: each row of A is merged with the
    /// matching column of B (a row of `bTransposed` = Bᵀ).
    public static func traceOfProduct(_ a: SparseMatrix, bTransposed bt: SparseMatrix) -> Double {
        precondition(a.rows == bt.rows && a.cols == bt.cols)
        var s = 0.0
        for i in 0..<a.rows {
            var ka = a.rowStart[i], kb = bt.rowStart[i]
            let ea = a.rowStart[i + 1], eb = bt.rowStart[i + 1]
            while ka < ea, kb < eb {
                let ca = a.columns[ka], cb = bt.columns[kb]
                if ca == cb { s += a.values[ka] * bt.values[kb]; ka += 1; kb += 1 } else if ca < cb { ka += 1 } else { kb += 1 }
            }
        }
        return s
    }
}
