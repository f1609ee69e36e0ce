import Foundation

/// Little-endian binary encoding of replication records for the checkpoint
/// journal. Doubles travel as their bit patterns, so a record read back is
/// bit-identical to the one written.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    mutating func int64(_ v: Int64) { append(UInt64(bitPattern: v)) }
    mutating func uint32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func double(_ v: Double) { append(v.bitPattern) }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        uint32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Room for `count` more bytes (a frame's size is known before it is encoded).
    mutating func reserve(_ count: Int) { bytes.reserveCapacity(bytes.count + count) }

    mutating func record(_ r: ReplicationRecord) {
        int64(Int64(r.replication))
        append(r.streamKey)
        uint32(UInt32(r.fits.count))
        for fit in r.fits {
            uint32(UInt32(bitPattern: fit.status.code.rawValue))
            string(fit.status.message)
            uint32(UInt32(fit.results.count))
            for e in fit.results {
                e.withStoredValues { values in
                    #if _endian(little)
                    bytes.append(contentsOf: UnsafeRawBufferPointer(values))
                    #else
                    for v in values { double(v) }
                    #endif
                }
            }
        }
    }
}

/// Reads what `BinaryWriter` wrote; every read is bounds-checked and a short or
/// malformed buffer throws instead of trapping.
struct BinaryReader {
    struct Truncated: Error {}
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }

    /// A little-endian unsigned integer of `T`'s width.
    mutating func unsigned<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws -> T {
        let width = MemoryLayout<T>.size
        guard offset + width <= bytes.count else { throw Truncated() }
        let v = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        offset += width
        return v
    }
    mutating func uint64() throws -> UInt64 { try unsigned(UInt64.self) }
    mutating func uint32() throws -> UInt32 { try unsigned(UInt32.self) }
    mutating func int64() throws -> Int64 { Int64(bitPattern: try uint64()) }
    mutating func double() throws -> Double { Double(bitPattern: try uint64()) }
    mutating func string() throws -> String {
        let n = Int(try uint32())
        guard offset + n <= bytes.count else { throw Truncated() }
        defer { offset += n }
        return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
    }

    mutating func record() throws -> ReplicationRecord {
        let rep = Int(try int64())
        let key = try uint64()
        let nFits = Int(try uint32())
        var fits: [FitOutcome] = []
        fits.reserveCapacity(nFits)
        let fields = EstimandResult.storedFieldNames.count
        var values = [Double](repeating: 0, count: fields)
        for _ in 0..<nFits {
            let raw = Int32(bitPattern: try uint32())
            guard let code = FitStatus.Code(rawValue: raw) else { throw Truncated() }
            let message = try string()
            let n = Int(try uint32())
            var results: [EstimandResult] = []
            results.reserveCapacity(n)
            for _ in 0..<n {
                for f in 0..<fields { values[f] = try double() }
                guard let result = EstimandResult(storedValues: values) else { throw Truncated() }
                results.append(result)
            }
            fits.append(FitOutcome(status: FitStatus(code, message), results: results))
        }
        return ReplicationRecord(replication: rep, streamKey: key, fits: fits)
    }
}

/// FNV-1a, 64-bit: detects torn or partly written journal frames (not an
/// adversarial checksum; it only has to catch a crash mid-write).
func fnv1a64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}
