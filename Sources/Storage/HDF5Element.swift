import CHDF5
import Foundation

/// The element types Storage reads and writes.
public enum HDF5ElementKind: String, Sendable {
    /// 64-bit IEEE little-endian float in the file (h5py: float64; R: numeric).
    case double
    /// 64-bit signed little-endian integer in the file (h5py: int64; R: integer64 or numeric).
    case int64
    /// Variable-length UTF-8 string in the file (h5py: str / object; R rhdf5 and hdf5r: character).
    case string
}

/// A Swift type Storage can store element-wise. Conformances: `Double`,
/// `Int64`, `Int` (stored as 64-bit integers) and `String`; others are not
/// supported, because values are handed to HDF5 by their memory layout.
public protocol HDF5Element {
    static var hdf5Kind: HDF5ElementKind { get }
}

extension Double: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .double } }
extension Int64: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .int64 } }
extension Int: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .int64 } }
extension String: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .string } }

/// A 2-D block of values in row-major order, the order HDF5, h5py and NumPy
/// use: element (r, c) is `values[r * columns + c]`. (R's rhdf5 and hdf5r show
/// such a dataset transposed, columns × rows, because R is column-major.)
public struct RowMajorArray<Element: HDF5Element & Equatable>: Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Element]

    /// Throws if `values` does not hold rows × columns elements.
    public init(rows: Int, columns: Int, values: [Element]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw HDF5Error(function: "RowMajorArray.init", object: "\(rows)×\(columns) array",
                            detail: "\(values.count) values given; \(rows)×\(columns) needs \(max(0, rows * columns))")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Builds the array from its rows; every row must have the same length.
    /// `columns` is needed only when `rowArrays` is empty.
    public init(rowArrays: [[Element]], columns: Int? = nil) throws {
        let c = rowArrays.first?.count ?? columns ?? 0
        if let i = rowArrays.firstIndex(where: { $0.count != c }) {
            throw HDF5Error(function: "RowMajorArray.init", object: "row \(i)",
                            detail: "row has \(rowArrays[i].count) values, the first row has \(c)")
        }
        try self.init(rows: rowArrays.count, columns: c, values: rowArrays.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Element { values[row * columns + column] }

    public func row(_ r: Int) -> [Element] { Array(values[(r * columns)..<((r + 1) * columns)]) }

    /// The rows as arrays.
    public var rowArrays: [[Element]] { (0..<rows).map(row) }
}

// MARK: - Types and conversions (internal)

/// An HDF5 datatype identifier that may or may not need closing.
struct TypeHandle {
    let id: hid_t
    let owned: Bool
    func release() { if owned { H5Tclose(id) } }
}

enum ElementCodec {
    /// The type written to the file for `kind` (also the memory type for strings).
    static func fileType(_ kind: HDF5ElementKind, object: String) throws -> TypeHandle {
        switch kind {
        case .double: return TypeHandle(id: spill_H5T_IEEE_F64LE(), owned: false)
        case .int64: return TypeHandle(id: spill_H5T_STD_I64LE(), owned: false)
        case .string: return try variableUTF8(object: object)
        }
    }

    static func variableUTF8(object: String) throws -> TypeHandle {
        let t = try h5id(H5Tcopy(spill_H5T_C_S1()), "H5Tcopy", object)
        let handle = TypeHandle(id: t, owned: true)
        do {
            try h5check(H5Tset_size(t, spill_H5T_VARIABLE()), "H5Tset_size", object)
            try h5check(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset", object)
        } catch { handle.release(); throw error }
        return handle
    }

    /// A readable name for the element type stored in a file type, for error messages.
    static func describe(_ fileType: hid_t) -> String {
        let size = H5Tget_size(fileType)
        switch H5Tget_class(fileType) {
        case H5T_FLOAT: return "\(size * 8)-bit floats"
        case H5T_INTEGER: return "\(size * 8)-bit integers"
        case H5T_STRING: return H5Tis_variable_str(fileType) > 0 ? "variable-length strings" : "fixed-length strings"
        case H5T_COMPOUND: return "compound records"
        default: return "an unsupported element type"
        }
    }

    /// The kind a file type is read as, or nil if Storage cannot read it.
    static func kind(of fileType: hid_t) -> HDF5ElementKind? {
        switch H5Tget_class(fileType) {
        case H5T_FLOAT: return .double
        case H5T_INTEGER: return .int64
        case H5T_STRING: return .string
        default: return nil
        }
    }

    /// Throws unless elements of `fileType` can be read as `wanted` without
    /// losing meaning: integers may be read as doubles, nothing else converts.
    static func checkReadable(_ fileType: hid_t, as wanted: HDF5ElementKind, function: String, object: String) throws {
        let have = kind(of: fileType)
        let ok = have == wanted || (wanted == .double && have == .int64)
        if !ok {
            let suggestion = have.map { " (read it as \($0 == .double ? "Double" : $0 == .int64 ? "Int64/Int" : "String"))" } ?? ""
            throw HDF5Error(function: function, object: object,
                            detail: "the data are \(describe(fileType)), which cannot be read as \(wanted.rawValue)\(suggestion)")
        }
    }

    /// Throws unless values of `kind` may be written into a dataset of `fileType`.
    static func checkWritable(_ fileType: hid_t, kind: HDF5ElementKind, function: String, object: String) throws {
        if ElementCodec.kind(of: fileType) != kind {
            throw HDF5Error(function: function, object: object,
                            detail: "the dataset holds \(describe(fileType)); it cannot take \(kind.rawValue) values")
        }
    }

    static func checkLayout<T: HDF5Element>(_: T.Type) {
        // Double, Int64 and Int are 8 bytes on every platform Swift supports on Linux and macOS.
        precondition(T.hdf5Kind == .string || MemoryLayout<T>.stride == 8,
                     "HDF5Element conformances are limited to Double, Int64, Int and String")
    }

    /// Writes `values` through `perform(memoryType, buffer)` (H5Dwrite or H5Awrite).
    static func write<T: HDF5Element>(_ values: [T], function: String, object: String,
                                      _ perform: (hid_t, UnsafeRawPointer) -> herr_t) throws {
        checkLayout(T.self)
        switch T.hdf5Kind {
        case .double, .int64:
            let mem = T.hdf5Kind == .double ? spill_H5T_NATIVE_DOUBLE() : spill_H5T_NATIVE_INT64()
            // HDF5 rejects a null buffer even for zero elements; one dummy byte stands in.
            var dummy: UInt64 = 0
            let status: herr_t = values.isEmpty
                ? withUnsafeBytes(of: &dummy) { perform(mem, $0.baseAddress!) }
                : values.withUnsafeBytes { perform(mem, $0.baseAddress!) }
            try h5check(status, function, object)
        case .string:
            let strings = values as! [String]
            if let bad = strings.firstIndex(where: { $0.utf8.contains(0) }) {
                throw HDF5Error(function: function, object: object,
                                detail: "string \(bad) contains a NUL character, which C strings cannot hold")
            }
            let type = try variableUTF8(object: object)
            defer { type.release() }
            var pointers: [UnsafePointer<CChar>?] = strings.map { UnsafePointer(strdup($0)) }
            defer { for p in pointers { free(UnsafeMutablePointer(mutating: p)) } }
            if pointers.isEmpty { pointers.append(nil) }
            let status = pointers.withUnsafeBytes { perform(type.id, $0.baseAddress!) }
            try h5check(status, function, object)
        }
    }

    /// Reads `count` elements stored as `fileType` through `perform(memoryType, buffer)`.
    static func read<T: HDF5Element>(_: T.Type, count: Int, fileType: hid_t, function: String, object: String,
                                     _ perform: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [T] {
        checkLayout(T.self)
        try checkReadable(fileType, as: T.hdf5Kind, function: function, object: object)
        if count == 0 { return [] }
        switch T.hdf5Kind {
        case .double, .int64:
            let mem = T.hdf5Kind == .double ? spill_H5T_NATIVE_DOUBLE() : spill_H5T_NATIVE_INT64()
            var status: herr_t = 0
            let result = [T](unsafeUninitializedCapacity: count) { buffer, initialised in
                // Memory is zero-filled first so a failed read never exposes uninitialised values.
                let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
                raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<T>.stride)
                status = perform(mem, raw)
                initialised = count
            }
            try h5check(status, function, object)
            return result
        case .string:
            let strings = H5Tis_variable_str(fileType) > 0
                ? try readVariableStrings(count: count, fileType: fileType, function: function, object: object, perform)
                : try readFixedStrings(count: count, fileType: fileType, function: function, object: object, perform)
            return strings as! [T]
        }
    }

    private static func readVariableStrings(count: Int, fileType: hid_t, function: String, object: String,
                                            _ perform: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
        let mem = try h5id(H5Tcopy(spill_H5T_C_S1()), "H5Tcopy", object)
        defer { H5Tclose(mem) }
        try h5check(H5Tset_size(mem, spill_H5T_VARIABLE()), "H5Tset_size", object)
        try h5check(H5Tset_cset(mem, H5Tget_cset(fileType)), "H5Tset_cset", object)
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let status = pointers.withUnsafeMutableBytes { perform(mem, $0.baseAddress!) }
        try h5check(status, function, object)
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        var dims = [hsize_t(count)]
        let space = try h5id(H5Screate_simple(1, &dims, nil), "H5Screate_simple", object)
        defer { H5Sclose(space) }
        _ = pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(mem, space, spill_H5P_DEFAULT(), $0.baseAddress!) }
        return strings
    }

    private static func readFixedStrings(count: Int, fileType: hid_t, function: String, object: String,
                                         _ perform: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
        let size = H5Tget_size(fileType)
        let mem = try h5id(H5Tcopy(fileType), "H5Tcopy", object)
        defer { H5Tclose(mem) }
        var bytes = [UInt8](repeating: 0, count: max(1, count * size))
        let status = bytes.withUnsafeMutableBytes { perform(mem, $0.baseAddress!) }
        try h5check(status, function, object)
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        return (0..<count).map { i in
            var slice = bytes[(i * size)..<((i + 1) * size)]
            if let nul = slice.firstIndex(of: 0) { slice = slice[..<nul] }
            if spacePadded { while slice.last == UInt8(ascii: " ") { slice = slice.dropLast() } }
            return String(decoding: slice, as: UTF8.self)
        }
    }
}
