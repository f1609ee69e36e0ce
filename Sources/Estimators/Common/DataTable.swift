import Foundation

/// An error in user-supplied data, naming the file, the column or row, and the fix.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A rectangular table read from CSV: named columns of text, converted to
/// numbers on request with errors that name the file, column and row.
public struct DataTable: Sendable {
    public let source: String
    public let columnNames: [String]
    public let rows: [[String]]

    public init(source: String, columnNames: [String], rows: [[String]]) {
        self.source = source
        self.columnNames = columnNames
        self.rows = rows
    }

    public var rowCount: Int { rows.count }

    /// Reads a comma-separated file with a header row. Double quotes around
    /// fields are honoured (RFC 4180, including "" inside a quoted field).
    public static func read(csv url: URL) throws -> DataTable {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DataError("\(url.path): no such file; check the path")
        }
        if isDirectory.boolValue { throw DataError("\(url.path): is a directory; give a CSV file") }
        guard fm.isReadableFile(atPath: url.path) else { throw DataError("\(url.path): cannot read the file: permission denied") }
        guard let data = fm.contents(atPath: url.path) else { throw DataError("\(url.path): cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError("\(url.path): the file is not UTF-8 text; save it as a UTF-8 CSV")
        }
        return try parse(csv: text, source: url.path)
    }

    public static func parse(csv text: String, source: String) throws -> DataTable {
        var records = try CSVParser.records(text, source: source)
        while let last = records.last, last.count == 1, last[0].trimmingCharacters(in: .whitespaces).isEmpty {
            records.removeLast()
        }
        guard let header = records.first else { throw DataError("\(source): the file is empty; a header row is required") }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for n in names {
            if n.isEmpty { throw DataError("\(source): the header has an empty column name") }
            if !seen.insert(n).inserted { throw DataError("\(source): column '\(n)' appears twice in the header") }
        }
        let body = Array(records.dropFirst())
        // Otherwise the first complaint is a later one's (W's ids "do not appear" in an empty panel).
        guard !body.isEmpty else { throw DataError("\(source): the file has a header but no data rows") }
        for (k, r) in body.enumerated() where r.count != names.count {
            throw DataError("\(source): line \(k + 2) has \(r.count) fields; the header has \(names.count)")
        }
        return DataTable(source: source, columnNames: names, rows: body)
    }

    public func columnIndex(_ name: String) throws -> Int {
        guard let j = columnNames.firstIndex(of: name) else {
            throw DataError("\(source): no column named '\(name)' (columns: \(columnNames.joined(separator: ", ")))")
        }
        return j
    }

    public func strings(_ name: String) throws -> [String] {
        let j = try columnIndex(name)
        return rows.map { $0[j].trimmingCharacters(in: .whitespaces) }
    }

    /// The id column: every cell filled (an empty id would be a unit of its own, which W then lacks).
    public func ids(_ name: String) throws -> [String] {
        let values = try strings(name)
        if let blank = values.firstIndex(where: \.isEmpty) {
            throw DataError("\(source): column '\(name)' has an empty id at line \(blank + 2); every row needs its unit's id")
        }
        return values
    }

    /// The column as numbers; an empty field, NA, NaN or text is an error naming the row and
    /// ending with `remedy` (a panel's rows can be removed; a weight matrix's cannot).
    public func numbers(_ name: String, remedy: String = "remove or impute the row before estimating") throws -> [Double] {
        let j = try columnIndex(name)
        var out = [Double](repeating: 0, count: rows.count)
        for (i, r) in rows.enumerated() {
            let s = r[j].trimmingCharacters(in: .whitespaces)
            guard let v = Double(s), v.isFinite else {
                let what = s.isEmpty || s.uppercased() == "NA" || s.uppercased() == "NAN" ? "a missing value" : "'\(s)', not a number"
                throw DataError("\(source): column '\(name)' has \(what) at line \(i + 2); \(remedy)")
            }
            out[i] = v
        }
        return out
    }
}

/// Minimal RFC 4180 record splitter.
enum CSVParser {
    static func records(_ text: String, source: String) throws -> [[String]] {
        var out: [[String]] = []
        var field = ""
        var record: [String] = []
        var inQuotes = false
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        var line = 1
        while let c = pending ?? it.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"": inQuotes = true
                case ",": record.append(field); field = ""
                case "\r": break
                case "\n":
                    record.append(field); out.append(record); record = []; field = ""; line += 1
                default: field.unicodeScalars.append(c)
                }
            }
        }
        if inQuotes { throw DataError("\(source): unterminated quoted field near line \(line)") }
        if !field.isEmpty || !record.isEmpty { record.append(field); out.append(record) }
        return out
    }
}
