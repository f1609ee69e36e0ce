import Foundation
import MonteCarlo

/// Writes the CLI's output files (panels, W, weights) the same way everywhere: a
/// missing parent directory is created (as `run --out` does), the file is written
/// atomically (PATH.partial, then rename), and a failure is one plain sentence
/// naming the path, the operating system's reason and the fix — never a raw
/// Foundation error, and never a usage error (exit code 1, not 64).
enum OutputFile {
    static func write(_ text: String, to path: String) throws { try writeAll([(text, path)]) }

    /// Writes several files as one unit: every file is first written to PATH.partial, and
    /// only when all of them succeeded are they renamed into place. A failure removes the
    /// partial files, so a run never leaves some outputs new and others missing or stale.
    /// The paths must differ (two would share PATH.partial): `generate`, the one caller with
    /// several files, refuses two of its flags naming one file in `validate()`, by flag and
    /// before anything is generated.
    static func writeAll(_ files: [(text: String, path: String)]) throws {
        var partials: [String] = []
        do {
            for f in files { partials.append(try writePartial(f.text, to: f.path)) }
        } catch {
            for p in partials { unlink(p) }
            throw error
        }
        for (f, partial) in zip(files, partials) where rename(partial, f.path) != 0 {
            let why = String(cString: strerror(errno))
            for p in partials { unlink(p) }
            throw failure(f.path, why)
        }
    }

    /// Writes PATH.partial (creating the directory if needed) and returns its path.
    private static func writePartial(_ text: String, to path: String) throws -> String {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RunError.failed("cannot write \(path): it is a directory; give a file name inside it, e.g. \(path)/out.csv")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !fm.fileExists(atPath: dir) {
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw RunError.failed("cannot write \(path): cannot create its directory \(dir) (\(reason(error))); check the parent directory exists and is writable")
            }
        }
        let partial = path + ".partial"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw failure(path, String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = String(cString: strerror(errno))
                close(fd); unlink(partial)
                throw failure(path, why)
            }
            written += n
        }
        if close(fd) != 0 {
            let why = String(cString: strerror(errno))
            unlink(partial)
            throw failure(path, why)
        }
        return partial
    }

    private static func failure(_ path: String, _ reason: String) -> RunError {
        RunError.failed("cannot write \(path): \(reason); check the directory exists and is writable")
    }

    /// The POSIX reason inside a Foundation file error when there is one.
    private static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(u.code)))
        }
        return ns.localizedFailureReason ?? ns.localizedDescription
    }
}
