import Foundation

/// Writes a figure's physical size into the files gnuplot leaves without it: the PNG
/// pHYs chunk (pixels per metre; gnuplot's pngcairo writes none, so viewers and LaTeX
/// would assume 72 or 96 dpi and print a 300-dpi figure four times too large) and the
/// SVG `width`/`height` in inches (gnuplot writes unitless user units).
enum PrintSize {
    /// Inserts (or replaces) the pHYs chunk after IHDR (PNG specification §11.3.5.3).
    static func setPNGResolution(_ url: URL, dpi: Double) throws {
        guard var bytes = try? [UInt8](Data(contentsOf: url)), bytes.count > 33,
              Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw GnuplotError.cannotWrite(url.path, reason: "not a PNG file as gnuplot writes it")
        }
        // Drop an existing pHYs chunk (a redraw of the same file).
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if Array(bytes[(offset + 4)..<(offset + 8)]) == Array("pHYs".utf8) {
                bytes.removeSubrange(offset..<(offset + 12 + length)); break
            }
            offset += 12 + length
        }
        let perMetre = UInt32((dpi / 0.0254).rounded())
        let be = { (x: UInt32) in [UInt8(x >> 24), UInt8(x >> 16 & 0xff), UInt8(x >> 8 & 0xff), UInt8(x & 0xff)] }
        let body = Array("pHYs".utf8) + be(perMetre) + be(perMetre) + [1]   // unit 1: metre
        let chunk = be(9) + body + be(crc32(body))
        bytes.insert(contentsOf: chunk, at: 33)   // 8 (signature) + 25 (IHDR chunk)
        do { try Data(bytes).write(to: url, options: .atomic) } catch {
            throw GnuplotError.cannotWrite(url.path, reason: error.localizedDescription)
        }
    }

    /// The PNG resolution in dots per inch from the pHYs chunk, or nil without one.
    static func pngResolution(_ data: Data) -> Double? {
        let b = [UInt8](data)
        var offset = 8
        while offset + 12 <= b.count {
            let length = Int(b[offset]) << 24 | Int(b[offset + 1]) << 16 | Int(b[offset + 2]) << 8 | Int(b[offset + 3])
            if Array(b[(offset + 4)..<(offset + 8)]) == Array("pHYs".utf8), length == 9, b[offset + 16] == 1 {
                let x = UInt32(b[offset + 8]) << 24 | UInt32(b[offset + 9]) << 16 | UInt32(b[offset + 10]) << 8 | UInt32(b[offset + 11])
                return Double(x) * 0.0254
            }
            offset += 12 + length
        }
        return nil
    }

    /// Gives the SVG root its size in inches; the viewBox (72 units per inch) stays.
    static func setSVGSize(_ url: URL, width: Double, height: Double) throws {
        guard var text = try? String(contentsOf: url, encoding: .utf8),
              let range = text.range(of: #"width="[0-9.]+" height="[0-9.]+""#, options: .regularExpression) else {
            throw GnuplotError.cannotWrite(url.path, reason: "not an SVG file as gnuplot writes it")
        }
        text.replaceSubrange(range, with: String(format: "width=\"%.3fin\" height=\"%.3fin\"", width, height))
        do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw GnuplotError.cannotWrite(url.path, reason: error.localizedDescription)
        }
    }

    /// CRC-32 (ISO 3309, as PNG uses) of `bytes`.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xffff_ffff
    }
}
