import CHDF5
import Foundation

/// What a link in a group points to.
public enum HDF5ObjectKind: String, Sendable {
    case group, dataset, other
}

/// A group in an open HDF5 file. Create and open children through the
/// `HDF5Container` operations; names may be paths ("a/b/c") relative to the
/// group, or absolute ("/a/b").
public final class HDF5Group: HDF5Object, HDF5Container, HDF5AttributeHolder {
    init(core: FileCore, id: hid_t, path: String) {
        super.init(core: core, id: id, path: path, close: H5Gclose, closeName: "H5Gclose")
    }

    public var containerGroup: HDF5Group { self }
    public var attributeOwner: HDF5Object { self }
}

/// Something holding named groups and datasets: an `HDF5Group`, or an
/// `HDF5File` (which forwards to its root group, as h5py's `File` does).
public protocol HDF5Container: AnyObject {
    var containerGroup: HDF5Group { get }
}

public extension HDF5Container {
    /// Creates a group, and any missing groups on its path.
    @discardableResult
    func createGroup(_ name: String) throws -> HDF5Group {
        let g = containerGroup
        let gid = try g.liveID("H5Gcreate2")
        let object = "\(g.core.diskPath):\(g.childPath(name))"
        if try exists(name) {
            throw HDF5Error(function: "H5Gcreate2", object: object, detail: "an object with this name already exists")
        }
        let lcpl = try h5id(H5Pcreate(spill_H5P_LINK_CREATE()), "H5Pcreate", object)
        defer { H5Pclose(lcpl) }
        try h5check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group", object)
        let id = try h5id(H5Gcreate2(gid, name, lcpl, spill_H5P_DEFAULT(), spill_H5P_DEFAULT()), "H5Gcreate2", object)
        return HDF5Group(core: g.core, id: id, path: g.childPath(name))
    }

    /// Opens an existing group.
    func group(_ name: String) throws -> HDF5Group {
        try openChild(name, .group, "H5Gopen2", { H5Gopen2($0, $1, spill_H5P_DEFAULT()) }, HDF5Group.init)
    }

    /// Opens an existing group, creating it (and its parents) if it is missing.
    func groupCreatingIfNeeded(_ name: String) throws -> HDF5Group {
        try exists(name) ? group(name) : createGroup(name)
    }

    /// Opens an existing dataset.
    func dataset(_ name: String) throws -> HDF5Dataset {
        try openChild(name, .dataset, "H5Dopen2", { H5Dopen2($0, $1, spill_H5P_DEFAULT()) }, HDF5Dataset.init)
    }

    /// Opens the existing child `name`, which must be a `kind`, with the C call `function`
    /// (`open` gets the parent's id and the name) and wraps the new id with `make`.
    private func openChild<T>(_ name: String, _ kind: HDF5ObjectKind, _ function: String, _ open: (hid_t, String) -> hid_t,
                              _ make: (FileCore, hid_t, String) -> T) throws -> T {
        let g = containerGroup
        let gid = try g.liveID(function)
        let object = "\(g.core.diskPath):\(g.childPath(name))"
        try requireKind(name, kind, function: function, object: object)
        let id = try h5id(open(gid, name), function, object)
        return make(g.core, id, g.childPath(name))
    }

    /// Whether a link `name` exists (every group on the way must exist too).
    func exists(_ name: String) throws -> Bool {
        let g = containerGroup
        let gid = try g.liveID("H5Lexists")
        let absolute = name.hasPrefix("/")
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        if parts.isEmpty { return absolute || name.isEmpty }   // "/" is the root; "" is the group itself
        var prefix = absolute ? "" : nil as String?
        for part in parts {
            let p = prefix.map { $0 + "/" + part } ?? String(part)
            let r = H5Lexists(gid, p, spill_H5P_DEFAULT())
            try h5check(r, "H5Lexists", "\(g.core.diskPath):\(g.childPath(p))")
            if r == 0 { return false }
            prefix = p
        }
        return true
    }

    /// What `name` is; throws if it does not exist.
    func kind(of name: String) throws -> HDF5ObjectKind {
        let g = containerGroup
        let gid = try g.liveID("H5Oopen")
        let object = "\(g.core.diskPath):\(g.childPath(name))"
        guard try exists(name) else {
            throw HDF5Error(function: "H5Oopen", object: object, detail: "no such object\(g.childrenHint())")
        }
        let oid = try h5id(H5Oopen(gid, name, spill_H5P_DEFAULT()), "H5Oopen", object)
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Names of the group's direct children, in name order.
    func children() throws -> [String] {
        try containerGroup.collectNames("H5Literate") { id, context in
            var index: hsize_t = 0
            return H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, context in NameCollector.append(name, to: context) }, context)
        }
    }

    /// Removes the link `name` (HDF5 does not reclaim the space in the file).
    func remove(_ name: String) throws {
        let g = containerGroup
        let gid = try g.liveID("H5Ldelete")
        try h5check(H5Ldelete(gid, name, spill_H5P_DEFAULT()), "H5Ldelete", "\(g.core.diskPath):\(g.childPath(name))")
    }

    /// Copies group or dataset `name` (with everything under it and its attributes)
    /// to `newName` in `destination`, which may be in another open file — the
    /// building block for merging shard files. Missing groups on the way are created.
    func copy(_ name: String, to destination: HDF5Container, as newName: String? = nil) throws {
        let g = containerGroup, d = destination.containerGroup
        let target = newName ?? String(name.split(separator: "/").last ?? Substring(name))
        let object = "\(g.core.diskPath):\(g.childPath(name)) → \(d.core.diskPath):\(d.childPath(target))"
        let src = try g.liveID("H5Ocopy"), dst = try d.liveID("H5Ocopy")
        guard try exists(name) else {
            throw HDF5Error(function: "H5Ocopy", object: object, detail: "no such object\(g.childrenHint())")
        }
        if try destination.exists(target) {
            throw HDF5Error(function: "H5Ocopy", object: object, detail: "the destination already exists")
        }
        let lcpl = try h5id(H5Pcreate(spill_H5P_LINK_CREATE()), "H5Pcreate", object)
        defer { H5Pclose(lcpl) }
        try h5check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group", object)
        try h5check(H5Ocopy(src, name, dst, target, spill_H5P_DEFAULT(), lcpl), "H5Ocopy", object)
    }

    internal func requireKind(_ name: String, _ wanted: HDF5ObjectKind, function: String, object: String) throws {
        let g = containerGroup
        guard try exists(name) else {
            throw HDF5Error(function: function, object: object, detail: "no such \(wanted.rawValue)\(g.childrenHint())")
        }
        let k = try kind(of: name)
        if k != wanted {
            throw HDF5Error(function: function, object: object, detail: "this is a \(k.rawValue), not a \(wanted.rawValue)")
        }
    }
}

extension HDF5Group {
    /// "; the group holds: a, b" (or "; the group is empty"), for "not found" messages.
    func childrenHint() -> String {
        guard let names = try? children() else { return "" }
        if names.isEmpty { return "; \(path) is empty" }
        let shown = names.prefix(12).joined(separator: ", ")
        return "; \(path) holds: \(shown)\(names.count > 12 ? ", …" : "")"
    }
}
