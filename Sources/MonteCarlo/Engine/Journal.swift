import Foundation

/// The checkpoint of a run in progress: an append-only sidecar file
/// (`OUT.h5.journal`) holding a header that identifies the run, then one frame
/// per completed chunk of replications. Each frame is written with one
/// `write` and made durable with `fsync` before the run moves on, and carries
/// its length and checksum, so after a crash (kill -9 included) the journal is
/// a valid prefix plus at most one torn frame, which `resume` cuts off. The
/// HDF5 result file is assembled from the journal only when the run is complete
/// and is renamed into place atomically: a result file is never half-written.
final class Journal {
    static let magic: [UInt8] = Array("SPILLSIM-JOURNAL-2\n".utf8)
    static let frameMagic: UInt32 = 0x4652_4D31   // "FRM1"

    let path: String
    private let fd: Int32

    /// One chunk of consecutive replications of one cell.
    struct Frame: Equatable {
        var cellOrdinal: Int
        var records: [ReplicationRecord]
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Starts a new journal (fails if one exists: it holds completed work).
    static func create(path: String, identity: String) throws -> Journal {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST {
                throw RunError.resumable(journal: path)
            }
            throw RunError.failed("cannot create the checkpoint journal \(path): \(String(cString: strerror(errno))). Check that the output directory exists and is writable")
        }
        let journal = Journal(path: path, fd: fd)
        var w = BinaryWriter()
        let id = Array(identity.utf8)
        w.uint32(UInt32(id.count))
        w.append(fnv1a64(id[...]))
        try journal.writeDurably(magic + w.bytes + id)
        return journal
    }

    /// Opens an existing journal for resuming: checks it belongs to this run,
    /// passes every intact frame to `visit`, truncates a torn tail, and
    /// positions for append.
    static func resume(path: String, identity: String, visit: (Frame) throws -> Void) throws -> Journal {
        let goodEnd = try scan(path: path, identity: identity, visit: visit)
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw RunError.failed("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        let journal = Journal(path: path, fd: fd)
        // Cut a torn final frame so new frames follow the last intact one.
        guard ftruncate(fd, off_t(goodEnd)) == 0, lseek(fd, 0, SEEK_END) >= 0, fsync(fd) == 0 else {
            throw RunError.failed("cannot truncate the torn tail of \(path): \(String(cString: strerror(errno)))")
        }
        return journal
    }

    /// True when the journal at `path` has an intact header naming this run.
    static func belongs(path: String, identity: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: magic.count + 12), head.count == magic.count + 12,
              Array(head.prefix(magic.count)) == magic else { return false }
        var r = BinaryReader(Array(head.dropFirst(magic.count)))
        guard let n = try? r.uint32(), let sum = try? r.uint64(),
              let id = try? handle.read(upToCount: Int(n)), id.count == Int(n), fnv1a64([UInt8](id)[...]) == sum else { return false }
        return String(decoding: id, as: UTF8.self) == identity
    }

    /// Streams the intact frames of a journal one at a time (memory does not
    /// grow with the number of replications) and returns the byte offset where
    /// the intact part ends.
    @discardableResult
    static func scan(path: String, identity: String, visit: (Frame) throws -> Void) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunError.failed("cannot read the checkpoint journal \(path)")
        }
        defer { try? handle.close() }
        func read(_ n: Int) -> [UInt8]? {
            guard let d = try? handle.read(upToCount: n), d.count == n else { return nil }
            return [UInt8](d)
        }
        guard let head = read(magic.count + 12), Array(head[0..<magic.count]) == magic else {
            throw RunError.failed("\(path) is not a spillsim checkpoint journal (bad header); delete it to start over")
        }
        var r = BinaryReader(Array(head[magic.count...]))
        let n = Int(try r.uint32())
        let sum = try r.uint64()
        guard let id = read(n), fnv1a64(id[...]) == sum else {
            throw RunError.failed("\(path): the journal header is damaged; delete it to start over")
        }
        guard String(decoding: id, as: UTF8.self) == identity else {
            throw RunError.foreignJournal(journal: path, resuming: true)
        }
        var goodEnd = UInt64(magic.count + 12 + n)
        while let fh = read(16) {
            var h = BinaryReader(fh)
            guard (try? h.uint32()) == frameMagic, let length = try? h.uint32(), let sum = try? h.uint64(),
                  let payload = read(Int(length)), fnv1a64(payload[...]) == sum,
                  let frame = try? decodeFrame(payload) else { break }
            try visit(frame)
            goodEnd += 16 + UInt64(length)
        }
        return goodEnd
    }

    private static func decodeFrame(_ payload: [UInt8]) throws -> Frame {
        var p = BinaryReader(payload)
        let cell = Int(try p.int64())
        let count = Int(try p.uint32())
        var records: [ReplicationRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count { records.append(try p.record()) }
        guard p.atEnd else { throw BinaryReader.Truncated() }
        return Frame(cellOrdinal: cell, records: records)
    }

    /// Appends one chunk and returns only once it is on disk.
    func append(_ frame: Frame) throws {
        var payload = BinaryWriter()
        // 12 doubles per estimand dominate a record; the rest (ids, statuses, messages) is a guess.
        let estimands = frame.records.first.map { $0.fits.reduce(0) { $0 + $1.results.count } } ?? 0
        payload.reserve(frame.records.count * (64 + 8 * EstimandResult.storedFieldNames.count * estimands))
        payload.int64(Int64(frame.cellOrdinal))
        payload.uint32(UInt32(frame.records.count))
        for record in frame.records { payload.record(record) }
        var head = BinaryWriter()
        head.uint32(Journal.frameMagic)
        head.uint32(UInt32(payload.bytes.count))
        head.append(fnv1a64(payload.bytes[...]))
        try writeDurably(head.bytes + payload.bytes)
    }

    private func writeDurably(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RunError.checkpointFailed(journal: path, what: "writing the checkpoint journal \(path) failed: \(String(cString: strerror(errno))) (disk full?)")
            }
            done += n
        }
        guard fsync(fd) == 0 else {
            throw RunError.checkpointFailed(journal: path, what: "flushing the checkpoint journal \(path) failed: \(String(cString: strerror(errno)))")
        }
    }
}
