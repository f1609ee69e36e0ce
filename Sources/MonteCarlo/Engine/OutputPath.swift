import Foundation
import Storage

/// Checks where a result file will go before any work is done, so a run never
/// computes for hours and then fails at the final rename.
enum OutputPath {
    /// Fails with one plain sentence when `path` cannot receive a result file:
    /// it is a directory, its directory cannot be created or written, or a
    /// probe file (`PATH.partial`, removed at once) cannot be created there.
    static func check(_ path: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RunError.failed("cannot write \(path): it is a directory; give a file name, e.g. \(path)/results.h5")
        }
        let partial = path + ".partial"
        if fm.fileExists(atPath: partial, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RunError.failed("cannot write \(path): \(partial) is a directory; remove it or choose another output")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw RunError.failed("cannot create the output directory \(dir): \(error.localizedDescription)")
        }
        // A leftover `.partial` is handled by the writer; otherwise try the real thing.
        guard !fm.fileExists(atPath: partial) else { return }
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw RunError.failed("cannot create \(path): \(String(cString: strerror(errno))) (in \(dir)); choose another output path")
        }
        close(fd)
        unlink(partial)
    }

    /// Fails plainly when `path` cannot be a result file to read.
    static func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let partial = HDF5File.hasUnfinishedWrite(at: path) ? " (there is an unfinished \(path).partial: its run was interrupted; resume it to finish the file)" : ""
            throw RunError.failed("cannot open \(path): no such file\(partial)")
        }
        if isDirectory.boolValue { throw RunError.failed("cannot open \(path): it is a directory, not a result file") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw RunError.failed("cannot open \(path): permission denied") }
    }
}
