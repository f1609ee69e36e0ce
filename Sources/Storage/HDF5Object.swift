import CHDF5
import Foundation

/// The open HDF5 file behind an `HDF5File` and every object opened in it.
/// It knows its live groups and datasets (weakly) so that closing the file
/// closes them first: a Swift object never outlives its HDF5 identifier's
/// validity, and no identifier is closed twice.
final class FileCore {
    private(set) var id: hid_t
    /// Where the bytes are on disk now (the temporary name while a new file is written).
    let diskPath: String
    private var live: [ObjectIdentifier: WeakObject] = [:]

    private struct WeakObject { weak var object: HDF5Object? }

    init(id: hid_t, diskPath: String) {
        self.id = id
        self.diskPath = diskPath
    }

    var isOpen: Bool { id >= 0 }

    func register(_ o: HDF5Object) { live[ObjectIdentifier(o)] = WeakObject(object: o) }
    func unregister(_ o: HDF5Object) { live[ObjectIdentifier(o)] = nil }

    /// The file identifier, or an error naming `function` if the file has been closed.
    func liveID(_ function: String) throws -> hid_t {
        HDF5Library.ensureInitialised()
        guard id >= 0 else {
            throw HDF5Error(function: function, object: diskPath, detail: "the file has already been closed")
        }
        return id
    }

    /// Closes every live group and dataset of this file (they then throw if used).
    func closeObjects() {
        for w in live.values { w.object?.closeQuietly() }
        live.removeAll()
    }

    /// Closes every live object, then the file. Idempotent.
    func close() throws {
        guard id >= 0 else { return }
        HDF5Library.ensureInitialised()
        closeObjects()
        let fid = id
        id = -1
        try h5check(H5Fclose(fid), "H5Fclose", diskPath)
    }

    /// Identifiers other than the file's own still open on this file in this process.
    func otherOpenIdentifiers() -> Int {
        guard id >= 0 else { return 0 }
        let n = H5Fget_obj_count(id, spill_H5F_OBJ_ALL())
        return max(0, Int(n) - 1)
    }
}

/// A group or dataset inside an open `HDF5File`. Its HDF5 handle is closed by
/// `close()`, by `deinit`, or when its file closes, whichever comes first;
/// using the object after that throws an `HDF5Error`.
public class HDF5Object {
    let core: FileCore
    private(set) var id: hid_t
    private let closeFunction: (hid_t) -> herr_t
    private let closeName: String
    /// Absolute path inside the file, e.g. "/results/estimates".
    public let path: String

    init(core: FileCore, id: hid_t, path: String, close: @escaping (hid_t) -> herr_t, closeName: String) {
        self.core = core
        self.closeName = closeName
        self.id = id
        self.path = path
        self.closeFunction = close
        core.register(self)
    }

    deinit {
        if id >= 0 && core.isOpen {
            HDF5Library.ensureInitialised()
            _ = closeFunction(id)
        }
        core.unregister(self)
    }

    /// True until the object or its file is closed.
    public var isOpen: Bool { id >= 0 && core.isOpen }

    /// "file.h5:/group/name", used in error messages.
    public var location: String { "\(core.diskPath):\(path)" }

    /// Closes the handle now. Calling it again does nothing.
    public func close() throws {
        guard id >= 0 else { return }
        let h = id
        id = -1
        core.unregister(self)
        guard core.isOpen else { return }
        HDF5Library.ensureInitialised()
        try h5check(closeFunction(h), closeName, location)
    }

    func closeQuietly() {
        guard id >= 0 else { return }
        _ = closeFunction(id)
        id = -1
    }

    /// The HDF5 identifier, or an error naming `function` if the object or its file is closed.
    func liveID(_ function: String) throws -> hid_t {
        HDF5Library.ensureInitialised()
        guard id >= 0, core.isOpen else {
            throw HDF5Error(function: function, object: location,
                            detail: core.isOpen ? "the object has already been closed" : "its file has already been closed")
        }
        return id
    }

    /// The absolute path of child `name` (which may itself contain "/").
    func childPath(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return path == "/" ? "/" + name : path + "/" + name
    }
}
