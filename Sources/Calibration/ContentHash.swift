import Foundation

/// The content hash an observed design checks its data and W files against, so a file
/// changed after calibration is refused instead of silently giving another world.
///
/// FNV-1a with 64 bits (Fowler, Noll & Vo; offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3, http://www.isthe.com/chongo/tech/comp/fnv/): not cryptographic — it
/// guards against accidental edits, not against an adversary — but fully specified,
/// dependency-free and reproducible by anyone (`fnv1a64:` + 16 lower-case hex digits).
public enum ContentHash {
    public static let prefix = "fnv1a64:"

    /// FNV-1a 64 of `bytes`.
    public static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// `fnv1a64:` and the hash as 16 hex digits.
    public static func label(_ data: Data) -> String {
        let h = fnv1a64(data)
        let hex = String(h, radix: 16)
        return prefix + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The label of a file's bytes; errors say which file could not be read.
    public static func label(ofFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CalibrationError.unreadable(path: path)
        }
        return label(data)
    }
}
