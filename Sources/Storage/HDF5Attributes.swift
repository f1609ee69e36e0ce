import CHDF5
import Foundation

/// The value of an attribute as stored: a scalar or a 1-D array of integers,
/// doubles or strings.
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case strings([String])
    case ints([Int])
    case doubles([Double])

    public var description: String {
        switch self {
        case .string(let v): return "\"\(v)\""
        case .int(let v): return "\(v)"
        case .double(let v): return "\(v)"
        case .strings(let v): return "\(v)"
        case .ints(let v): return "\(v)"
        case .doubles(let v): return "\(v)"
        }
    }
}

/// Something that carries attributes: a file (its root group, as in h5py), a group or a dataset.
public protocol HDF5AttributeHolder: AnyObject {
    var attributeOwner: HDF5Object { get }
}

public extension HDF5AttributeHolder {
    /// Sets (creating or replacing) an attribute. Scalars are stored with a
    /// scalar dataspace, arrays as 1-D; strings as variable-length UTF-8.
    func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws {
        let o = attributeOwner
        let oid = try o.liveID("H5Acreate2")
        let object = "\(o.location)@\(name)"
        let exists = H5Aexists(oid, name)
        try h5check(exists, "H5Aexists", object)
        if exists > 0 { try h5check(H5Adelete(oid, name), "H5Adelete", object) }
        switch value {
        case .string(let v): try writeAttribute(oid, name, [v], scalar: true, object: object)
        case .int(let v): try writeAttribute(oid, name, [v], scalar: true, object: object)
        case .double(let v): try writeAttribute(oid, name, [v], scalar: true, object: object)
        case .strings(let v): try writeAttribute(oid, name, v, scalar: false, object: object)
        case .ints(let v): try writeAttribute(oid, name, v, scalar: false, object: object)
        case .doubles(let v): try writeAttribute(oid, name, v, scalar: false, object: object)
        }
    }

    func setAttribute(_ name: String, _ value: String) throws { try setAttribute(name, .string(value)) }
    func setAttribute(_ name: String, _ value: Int) throws { try setAttribute(name, .int(value)) }
    func setAttribute(_ name: String, _ value: Double) throws { try setAttribute(name, .double(value)) }
    func setAttribute(_ name: String, _ value: [String]) throws { try setAttribute(name, .strings(value)) }
    func setAttribute(_ name: String, _ value: [Int]) throws { try setAttribute(name, .ints(value)) }
    func setAttribute(_ name: String, _ value: [Double]) throws { try setAttribute(name, .doubles(value)) }

    /// Reads an attribute as stored (integers of any width come back as `.int`/`.ints`).
    func attribute(_ name: String) throws -> HDF5AttributeValue {
        let o = attributeOwner
        let oid = try o.liveID("H5Aopen")
        let object = "\(o.location)@\(name)"
        let exists = H5Aexists(oid, name)
        try h5check(exists, "H5Aexists", object)
        guard exists > 0 else {
            let names = (try? attributeNames()) ?? []
            throw HDF5Error(function: "H5Aopen", object: object,
                            detail: "no such attribute; \(names.isEmpty ? "there are none" : "present: " + names.joined(separator: ", "))")
        }
        let aid = try h5id(H5Aopen(oid, name, spill_H5P_DEFAULT()), "H5Aopen", object)
        defer { H5Aclose(aid) }
        let space = try h5id(H5Aget_space(aid), "H5Aget_space", object)
        defer { H5Sclose(space) }
        let ftype = try h5id(H5Aget_type(aid), "H5Aget_type", object)
        defer { H5Tclose(ftype) }
        let spaceClass = H5Sget_simple_extent_type(space)
        let rank = H5Sget_simple_extent_ndims(space)
        let count = spaceClass == H5S_NULL ? 0 : Int(H5Sget_simple_extent_npoints(space))
        guard rank <= 1 else {
            throw HDF5Error(function: "H5Aread", object: object, detail: "a \(rank)-D attribute; Storage reads scalars and 1-D arrays")
        }
        let scalar = spaceClass == H5S_SCALAR
        func load<T: HDF5Element>(_: T.Type) throws -> [T] {
            try ElementCodec.read(T.self, count: count, fileType: ftype, function: "H5Aread", object: object) { mem, buf in
                H5Aread(aid, mem, buf)
            }
        }
        switch ElementCodec.kind(of: ftype) {
        case .double?:
            let v = try load(Double.self)
            return scalar ? .double(v[0]) : .doubles(v)
        case .int64?:
            let v = try load(Int.self)
            return scalar ? .int(v[0]) : .ints(v)
        case .string?:
            let v = try load(String.self)
            return scalar ? .string(v[0]) : .strings(v)
        case nil:
            throw HDF5Error(function: "H5Aread", object: object,
                            detail: "holds \(ElementCodec.describe(ftype)), which Storage does not read")
        }
    }

    /// Attribute names in name order.
    func attributeNames() throws -> [String] {
        try attributeOwner.collectNames("H5Aiterate2") { id, context in
            var index: hsize_t = 0
            return H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, context in NameCollector.append(name, to: context) }, context)
        }
    }

    func hasAttribute(_ name: String) throws -> Bool {
        let o = attributeOwner
        let r = H5Aexists(try o.liveID("H5Aexists"), name)
        try h5check(r, "H5Aexists", "\(o.location)@\(name)")
        return r > 0
    }

    func removeAttribute(_ name: String) throws {
        let o = attributeOwner
        try h5check(H5Adelete(try o.liveID("H5Adelete"), name), "H5Adelete", "\(o.location)@\(name)")
    }

    // Typed reads: each accepts a scalar or a one-element array where one value
    // is asked for (R writes length-1 vectors as arrays), and widens integers to
    // doubles; anything else is an error naming what the attribute holds.

    func stringAttribute(_ name: String) throws -> String {
        switch try attribute(name) {
        case .string(let v): return v
        case .strings(let v) where v.count == 1: return v[0]
        case let other: throw mismatch(name, other, "a string")
        }
    }

    func intAttribute(_ name: String) throws -> Int {
        switch try attribute(name) {
        case .int(let v): return v
        case .ints(let v) where v.count == 1: return v[0]
        case let other: throw mismatch(name, other, "an integer")
        }
    }

    func doubleAttribute(_ name: String) throws -> Double {
        switch try attribute(name) {
        case .double(let v): return v
        case .doubles(let v) where v.count == 1: return v[0]
        case .int(let v): return Double(v)
        case .ints(let v) where v.count == 1: return Double(v[0])
        case let other: throw mismatch(name, other, "a double")
        }
    }

    func stringsAttribute(_ name: String) throws -> [String] {
        switch try attribute(name) {
        case .strings(let v): return v
        case .string(let v): return [v]
        case let other: throw mismatch(name, other, "strings")
        }
    }

    func intsAttribute(_ name: String) throws -> [Int] {
        switch try attribute(name) {
        case .ints(let v): return v
        case .int(let v): return [v]
        case let other: throw mismatch(name, other, "integers")
        }
    }

    func doublesAttribute(_ name: String) throws -> [Double] {
        switch try attribute(name) {
        case .doubles(let v): return v
        case .double(let v): return [v]
        case .ints(let v): return v.map(Double.init)
        case .int(let v): return [Double(v)]
        case let other: throw mismatch(name, other, "doubles")
        }
    }

    private func mismatch(_ name: String, _ value: HDF5AttributeValue, _ wanted: String) -> HDF5Error {
        HDF5Error(function: "H5Aread", object: "\(attributeOwner.location)@\(name)",
                  detail: "holds \(value), not \(wanted)")
    }

    private func writeAttribute<T: HDF5Element>(_ oid: hid_t, _ name: String, _ values: [T], scalar: Bool,
                                                object: String) throws {
        var dims = [hsize_t(values.count)]
        let space = try h5id(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil), "H5Screate", object)
        defer { H5Sclose(space) }
        let ftype = try ElementCodec.fileType(T.hdf5Kind, object: object)
        defer { ftype.release() }
        let aid = try h5id(H5Acreate2(oid, name, ftype.id, space, spill_H5P_DEFAULT(), spill_H5P_DEFAULT()),
                           "H5Acreate2", object)
        defer { H5Aclose(aid) }
        try ElementCodec.write(values, function: "H5Awrite", object: object) { mem, buf in H5Awrite(aid, mem, buf) }
    }
}
