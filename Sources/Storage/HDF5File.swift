import CHDF5
import Foundation

/// An HDF5 file, with the write-then-rename discipline for new files.
///
/// * `create(_:)` writes to `<path>.partial` and only `close()` (or its alias
///   `commit()`) renames that to `<path>`, atomically, after flushing and
///   fsync-ing. A writer that stops early, throws, forgets to close, or is
///   killed leaves at most a `.partial` file, never a half-written `<path>`.
/// * `resume(_:)` reopens a `.partial` left behind (e.g. after kill -9) to
///   append to it; `close()` then commits it as usual. Data written before the
///   last `flush()` is there; anything after it may be lost.
/// * `open(_:mode:)` opens a finished file in place, read-only or read-write.
///
/// Files use HDF5's default (earliest) format, readable by every HDF5 ≥ 1.8
/// (h5py, R rhdf5/hdf5r, h5dump). That format has no "file is open for
/// writing" flag in its superblock, so a file whose writer was killed reopens
/// without `h5clear` (the 1.10 "latest" format would need `h5clear -s`).
///
/// Locking: HDF5 1.10 takes an OS lock (flock) on open — exclusive for writing,
/// shared for reading — and the kernel drops it when the process dies, so a
/// killed writer leaves no stale lock. It stops two shards writing one file,
/// but also stops readers (h5dump, h5py) from opening a file while it is being
/// written; `Locking.disabled` (or `HDF5_USE_FILE_LOCKING=FALSE` in the
/// environment, which overrides this setting) allows that at the reader's risk.
///
/// Groups and datasets opened from a file are closed when the file closes.
/// Objects of one file are not safe to use from several threads at once.
public final class HDF5File: HDF5Container, HDF5AttributeHolder {
    public enum Mode: Sendable { case readOnly, readWrite }

    public enum Locking: Sendable {
        /// Lock the file (HDF5's default); ignored on file systems without locks.
        case enabled
        /// Do not lock: for reading a file another process is writing, or on
        /// file systems whose locks fail.
        case disabled
    }

    /// The file's final path.
    public let path: String
    /// Where the bytes are now: `path`, or `path + ".partial"` until a new file is committed.
    public let diskPath: String
    public let mode: Mode
    /// True for files from `create`/`resume`, which `close()` renames into place.
    public let commitsOnClose: Bool
    private let overwrite: Bool
    private let core: FileCore
    /// The root group "/" (attributes set on the file are set on it, as h5py does).
    public let root: HDF5Group

    public var containerGroup: HDF5Group { root }
    public var attributeOwner: HDF5Object { root }
    public var isOpen: Bool { core.isOpen }

    /// The temporary name a new file at `path` is written under.
    public static func temporaryPath(for path: String) -> String { path + ".partial" }

    /// True if an unfinished write of `path` (a `.partial` file) exists, which `resume` can continue.
    public static func hasUnfinishedWrite(at path: String) -> Bool {
        FileManager.default.fileExists(atPath: temporaryPath(for: path))
    }

    private init(path: String, diskPath: String, mode: Mode, commitsOnClose: Bool, overwrite: Bool, fileID: hid_t) throws {
        self.path = path
        self.diskPath = diskPath
        self.mode = mode
        self.commitsOnClose = commitsOnClose
        self.overwrite = overwrite
        let core = FileCore(id: fileID, diskPath: diskPath)
        self.core = core
        do {
            let gid = try h5id(H5Gopen2(fileID, "/", spill_H5P_DEFAULT()), "H5Gopen2", "\(diskPath):/")
            root = HDF5Group(core: core, id: gid, path: "/")
        } catch {
            try? core.close()
            throw error
        }
    }

    deinit {
        // Not committed: close the handles and leave any `.partial` for `resume` or removal.
        try? core.close()
    }

    // MARK: Opening

    /// Starts a new file that will appear at `path` when closed. An existing
    /// `.partial` is deleted first unless a live writer holds its lock (then
    /// this throws); an existing `path` is an error unless `overwrite`.
    public static func create(_ path: String, overwrite: Bool = false, locking: Locking = .enabled) throws -> HDF5File {
        HDF5Library.ensureInitialised()
        let temp = temporaryPath(for: path)
        try checkDirectory(of: path, function: "H5Fcreate")
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw HDF5Error(function: "H5Fcreate", object: path, detail: "the file already exists; remove it or pass overwrite: true")
        }
        try removeStalePartial(temp, locking: locking)
        let fapl = try accessList(locking, object: temp)
        defer { H5Pclose(fapl) }
        let fid = try h5id(H5Fcreate(temp, spill_H5F_ACC_EXCL(), spill_H5P_DEFAULT(), fapl), "H5Fcreate", temp,
                           hint: lockHint)
        return try HDF5File(path: path, diskPath: temp, mode: .readWrite, commitsOnClose: true, overwrite: overwrite, fileID: fid)
    }

    /// Reopens the unfinished write of `path` (its `.partial`) read-write;
    /// `close()` commits it to `path`.
    public static func resume(_ path: String, overwrite: Bool = false, locking: Locking = .enabled) throws -> HDF5File {
        HDF5Library.ensureInitialised()
        let temp = temporaryPath(for: path)
        let fid = try openID(temp, flags: spill_H5F_ACC_RDWR(), locking: locking)
        return try HDF5File(path: path, diskPath: temp, mode: .readWrite, commitsOnClose: true, overwrite: overwrite, fileID: fid)
    }

    /// Opens a finished file in place. Read-write changes it directly (no rename).
    public static func open(_ path: String, mode: Mode = .readOnly, locking: Locking = .enabled) throws -> HDF5File {
        HDF5Library.ensureInitialised()
        let flags = mode == .readOnly ? spill_H5F_ACC_RDONLY() : spill_H5F_ACC_RDWR()
        let fid = try openID(path, flags: flags, locking: locking)
        return try HDF5File(path: path, diskPath: path, mode: mode, commitsOnClose: false, overwrite: false, fileID: fid)
    }

    // MARK: Flushing and closing

    /// Writes HDF5's buffers and metadata to the file (`H5Fflush`), so that a
    /// later kill -9 keeps everything written so far. With `durable`, also
    /// fsyncs, so that a power failure keeps it too (slower: use per checkpoint).
    public func flush(durable: Bool = false) throws {
        let fid = try core.liveID("H5Fflush")
        try h5check(H5Fflush(fid, H5F_SCOPE_GLOBAL), "H5Fflush", diskPath)
        if durable {
            var handle: UnsafeMutableRawPointer?
            try h5check(H5Fget_vfd_handle(fid, spill_H5P_DEFAULT(), &handle), "H5Fget_vfd_handle", diskPath)
            if let fd = handle?.assumingMemoryBound(to: Int32.self).pointee, fsync(fd) != 0 {
                throw HDF5Error(function: "fsync", object: diskPath, detail: String(cString: strerror(errno)))
            }
        }
    }

    /// Closes the file and every group and dataset opened from it. A file from
    /// `create`/`resume` is flushed, fsynced and renamed to `path`; if that
    /// fails it stays at `diskPath`. Calling `close()` again does nothing.
    public func close() throws {
        guard core.isOpen else { return }
        guard commitsOnClose else { try core.close(); return }
        try flush()
        core.closeObjects()
        let others = core.otherOpenIdentifiers()
        if others > 0 {
            // Another HDF5File on the same path in this process keeps the file open;
            // renaming now could publish it before that writer is done.
            try core.close()
            throw HDF5Error(function: "H5Fclose", object: diskPath,
                            detail: "\(others) other handle(s) keep the file open in this process; it was not renamed to \(path)")
        }
        try core.close()
        try Self.syncFile(diskPath)
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw HDF5Error(function: "rename", object: path,
                            detail: "the file appeared while \(diskPath) was written; not replaced (the new data stay in \(diskPath))")
        }
        guard rename(diskPath, path) == 0 else {
            throw HDF5Error(function: "rename", object: "\(diskPath) → \(path)", detail: String(cString: strerror(errno)))
        }
        Self.syncDirectory(of: path)
    }

    /// Alias of `close()` that reads better where a new file is finished.
    public func commit() throws { try close() }

    /// Closes without committing and deletes the `.partial` file. Only for files from `create`/`resume`.
    public func discard() throws {
        guard commitsOnClose else {
            throw HDF5Error(function: "discard", object: path, detail: "only a file being created or resumed can be discarded")
        }
        try core.close()
        if FileManager.default.fileExists(atPath: diskPath) {
            do { try FileManager.default.removeItem(atPath: diskPath) } catch {
                throw HDF5Error(function: "unlink", object: diskPath, detail: error.localizedDescription)
            }
        }
    }

    // MARK: Internals

    private static let lockHint =
        "if another process (a running simulation, h5dump, h5py) has the file open, wait for it to finish; readers may set HDF5_USE_FILE_LOCKING=FALSE"

    private static func accessList(_ locking: Locking, object: String) throws -> hid_t {
        let fapl = try h5id(H5Pcreate(spill_H5P_FILE_ACCESS()), "H5Pcreate", object)
        let status = H5Pset_file_locking(fapl, locking == .enabled, true)
        if status < 0 { H5Pclose(fapl); throw HDF5Error.fromStack("H5Pset_file_locking", object) }
        return fapl
    }

    /// Deletes a `.partial` left by an earlier writer, unless a live writer still holds its lock.
    ///
    /// HDF5 1.10.8's `H5Fcreate` with `H5F_ACC_TRUNC` truncates the file before
    /// it tries the lock, which would wipe a running writer's data; so Storage
    /// tests the lock itself (flock, as HDF5 does), then unlinks and creates
    /// the file exclusively.
    private static func removeStalePartial(_ temp: String, locking: Locking) throws {
        guard FileManager.default.fileExists(atPath: temp) else { return }
        if locking == .enabled {
            let fd = Foundation.open(temp, O_RDONLY)
            if fd >= 0 {
                defer { Foundation.close(fd) }
                if flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK {
                    throw HDF5Error(function: "H5Fcreate", object: temp,
                                    detail: "another writer holds the lock on this unfinished file (a simulation still running?); it was left untouched")
                }
            }
        }
        guard unlink(temp) == 0 || errno == ENOENT else {
            throw HDF5Error(function: "unlink", object: temp, detail: String(cString: strerror(errno)))
        }
    }

    private static func checkDirectory(of path: String, function: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if !dir.isEmpty && !(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) {
            throw HDF5Error(function: function, object: path, detail: "the directory \(dir) does not exist; create it first")
        }
    }

    private static func openID(_ path: String, flags: UInt32, locking: Locking) throws -> hid_t {
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(function: "H5Fopen", object: path, detail: "no such file")
        }
        let isHDF5 = H5Fis_hdf5(path)
        if isHDF5 == 0 {
            throw HDF5Error(function: "H5Fis_hdf5", object: path, detail: "not an HDF5 file (no HDF5 signature found)", kind: .notHDF5)
        }
        try h5check(isHDF5, "H5Fis_hdf5", path)
        let fapl = try accessList(locking, object: path)
        defer { H5Pclose(fapl) }
        let fid = H5Fopen(path, flags, fapl)
        if fid < 0 {
            let error = HDF5Error.fromStack("H5Fopen", path)
            if error.detail.contains("already open") {
                throw HDF5Error(function: "H5Fopen", object: path, detail: error.detail + "; if its writer was killed, `h5clear -s \(path)` clears the open-for-write flag",
                                causes: error.causes)
            }
            // Locked or not is asked of the OS (HDF5's stack text also says "sblock" of a truncated
            // superblock, which a text match took for a lock).
            if locking == .enabled, isLocked(path, exclusive: flags == spill_H5F_ACC_RDWR()) {
                throw HDF5Error(function: "H5Fopen", object: path, detail: error.detail + "; " + lockHint, causes: error.causes, kind: .locked)
            }
            throw HDF5Error(function: "H5Fopen", object: path, detail: error.detail, causes: error.causes, kind: .unreadable)
        }
        return fid
    }

    /// True if another open file description holds a lock on `path` that the lock HDF5 takes
    /// (shared to read, exclusive to write) would conflict with; the test lock is released at once.
    private static func isLocked(_ path: String, exclusive: Bool) -> Bool {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { Foundation.close(fd) }
        return flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    private static func syncFile(_ path: String) throws {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw HDF5Error(function: "open", object: path, detail: String(cString: strerror(errno))) }
        defer { Foundation.close(fd) }
        if fsync(fd) != 0 { throw HDF5Error(function: "fsync", object: path, detail: String(cString: strerror(errno))) }
    }

    /// Makes the rename itself durable; best effort (some file systems refuse to fsync a directory).
    private static func syncDirectory(of path: String) {
        var dir = (path as NSString).deletingLastPathComponent
        if dir.isEmpty { dir = "." }
        let fd = Foundation.open(dir, O_RDONLY)
        if fd >= 0 { _ = fsync(fd); Foundation.close(fd) }
    }
}
