/// A dense real matrix stored column-major, the layout BLAS and LAPACK expect.
///
/// Element (i, j) lives at `data[i + j * rows]`. Value semantics: copies are
/// cheap until written (Swift arrays are copy-on-write).
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    public let rows: Int
    public let cols: Int
    public var data: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.data = [Double](repeating: value, count: rows * cols)
    }

    /// Wraps column-major `data`; throws if its length is not rows × cols.
    public init(rows: Int, cols: Int, columnMajor data: [Double]) throws {
        guard rows >= 0, cols >= 0, data.count == rows * cols else {
            throw NumericsError("matrix data has \(data.count) values; \(rows)×\(cols) needs \(rows * cols)")
        }
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// Wraps column-major `data` whose length the caller has already checked.
    public init(rows: Int, cols: Int, uncheckedColumnMajor data: [Double]) {
        precondition(data.count == rows * cols, "internal shape error: \(data.count) values for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// Builds a matrix from rows given as arrays (convenient in tests and small inputs).
    public init(rowArrays: [[Double]]) throws {
        let c = try Self.commonLength(rowArrays, "rows of unequal length in matrix literal")
        self.init(rows: rowArrays.count, cols: c)
        for i in 0..<rows { for j in 0..<c { self[i, j] = rowArrays[i][j] } }
    }

    /// Builds a matrix whose columns are the given vectors.
    public init(columns: [[Double]]) throws {
        let r = try Self.commonLength(columns, "columns of unequal length")
        self.init(rows: r, cols: columns.count, uncheckedColumnMajor: columns.flatMap { $0 })
    }

    /// The length every array shares (0 for none), or `unequal` as the error.
    private static func commonLength(_ arrays: [[Double]], _ unequal: String) throws -> Int {
        let length = arrays.first?.count ?? 0
        guard arrays.allSatisfy({ $0.count == length }) else { throw NumericsError(unequal) }
        return length
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.data[i + i * n] = 1 }
        return m
    }

    public static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, cols: d.count)
        for i in 0..<d.count { m.data[i + i * d.count] = d[i] }
        return m
    }

    @inline(__always)
    public subscript(i: Int, j: Int) -> Double {
        get { data[i + j * rows] }
        set { data[i + j * rows] = newValue }
    }

    public var isSquare: Bool { rows == cols }

    public func column(_ j: Int) -> [Double] {
        Array(data[(j * rows)..<((j + 1) * rows)])
    }

    /// The matrix whose column j is `transform` of column j (a column-by-column linear operator).
    public func mapColumns(_ transform: ([Double]) throws -> [Double]) rethrows -> Matrix {
        var out = self
        for j in 0..<cols { out.setColumn(j, try transform(column(j))) }
        return out
    }

    public mutating func setColumn(_ j: Int, _ v: [Double]) {
        precondition(v.count == rows)
        data.replaceSubrange((j * rows)..<((j + 1) * rows), with: v)
    }

    public func row(_ i: Int) -> [Double] {
        (0..<cols).map { data[i + $0 * rows] }
    }

    public var diagonalElements: [Double] {
        (0..<min(rows, cols)).map { data[$0 + $0 * rows] }
    }

    public var trace: Double { diagonalElements.reduce(0, +) }

    public func transposed() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for j in 0..<cols { for i in 0..<rows { t.data[j + i * cols] = data[i + j * rows] } }
        return t
    }

    /// The columns `js` in that order.
    public func columns(_ js: [Int]) -> Matrix {
        var m = Matrix(rows: rows, cols: js.count)
        for (k, j) in js.enumerated() {
            m.data.replaceSubrange((k * rows)..<((k + 1) * rows), with: data[(j * rows)..<((j + 1) * rows)])
        }
        return m
    }

    /// Appends the columns of `other` on the right.
    public func hstack(_ other: Matrix) throws -> Matrix {
        guard other.rows == rows else { throw NumericsError("hstack: \(rows) rows vs \(other.rows)") }
        return try Matrix(rows: rows, cols: cols + other.cols, columnMajor: data + other.data)
    }

    public func isSymmetric(tolerance: Double = 1e-12) -> Bool {
        guard isSquare else { return false }
        for j in 0..<cols { for i in 0..<j where abs(self[i, j] - self[j, i]) > tolerance { return false } }
        return true
    }

    public func rowSums() -> [Double] {
        var s = [Double](repeating: 0, count: rows)
        for j in 0..<cols { for i in 0..<rows { s[i] += data[i + j * rows] } }
        return s
    }

    public var description: String {
        (0..<rows).map { i in (0..<cols).map { j in String(format: "%10.4g", self[i, j]) }.joined(separator: " ") }
            .joined(separator: "\n")
    }
}

import Foundation

public extension Matrix {
    static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols)
        var c = a
        for k in 0..<c.data.count { c.data[k] += b.data[k] }
        return c
    }

    static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols)
        var c = a
        for k in 0..<c.data.count { c.data[k] -= b.data[k] }
        return c
    }

    static func * (s: Double, a: Matrix) -> Matrix {
        var c = a
        for k in 0..<c.data.count { c.data[k] *= s }
        return c
    }
}
