import Foundation
import XCTest

/// The text of an SVG figure as gnuplot writes it, with each element's approximate box,
/// for checks that no text leaves the canvas or runs into another, and no font is smaller
/// than the print minimum. gnuplot writes each text line as
/// `<g transform="translate(x,y)[ rotate(a)]" … font-size="s" … text-anchor="start|middle|end"><text>…</text>`
/// with y the baseline; a box is the text's advance width, approximated as 0.6 em per
/// character for DejaVu Sans (digits 0.64 em, lower case about 0.55), from 0.75 em above the
/// baseline to 0.22 em below.
public struct SVGTextLayout {
    public struct Item: CustomStringConvertible {
        public let text: String
        public let x0: Double, y0: Double, x1: Double, y1: Double
        public let size: Double
        public var description: String { String(format: "'%@' [%.1f–%.1f × %.1f–%.1f]", text, x0, x1, y0, y1) }
    }

    public let width: Double
    public let height: Double
    public let items: [Item]
    /// Every font size used (the `font-size` of groups and spans), in SVG units = points.
    public let fontSizes: [Double]

    public init(svg: String) {
        let box = svg.range(of: #"viewBox="[^"]+""#, options: .regularExpression).map { svg[$0].components(separatedBy: "\"")[1].split(separator: " ").compactMap { Double($0) } } ?? []
        width = box.count == 4 ? box[2] : 0
        height = box.count == 4 ? box[3] : 0
        var items: [Item] = []
        let pattern = #"<g transform="translate\(([-0-9.]+),([-0-9.]+)\)( rotate\(([-0-9.]+)\))?"[^>]*font-size="([0-9.]+)"[^>]*text-anchor="(start|middle|end)">\s*<text>(.*?)</text>"#
        let ns = svg as NSString
        let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        for m in regex?.matches(in: svg, range: NSRange(location: 0, length: ns.length)) ?? [] {
            let g = { (i: Int) -> String? in m.range(at: i).location == NSNotFound ? nil : ns.substring(with: m.range(at: i)) }
            guard let x = Double(g(1)!), let y = Double(g(2)!), let size = Double(g(5)!) else { continue }
            let raw = g(7)!.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
            let text = raw.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
                .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
                .trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            let length = Double(text.count) * 0.6 * size
            let (a, b): (Double, Double)
            switch g(6)! {
            case "start": (a, b) = (0, length)
            case "end": (a, b) = (-length, 0)
            default: (a, b) = (-length / 2, length / 2)
            }
            let up = 0.75 * size, down = 0.22 * size
            let angle = Double(g(4) ?? "0") ?? 0
            if abs(angle.truncatingRemainder(dividingBy: 180)) > 45 {
                // Rotated by ±90°: the text runs vertically (rotate(270) reads upwards).
                let sign = angle == 90 || angle == -270 ? 1.0 : -1.0
                let ys = [y + sign * a, y + sign * b]
                items.append(Item(text: text, x0: x - up, y0: ys.min()!, x1: x + down, y1: ys.max()!, size: size))
            } else {
                items.append(Item(text: text, x0: x + a, y0: y - up, x1: x + b, y1: y + down, size: size))
            }
        }
        self.items = items
        var sizes: [Double] = []
        let sizeRegex = try? NSRegularExpression(pattern: #"font-size="([0-9.]+)""#)
        for m in sizeRegex?.matches(in: svg, range: NSRange(location: 0, length: ns.length)) ?? [] {
            if let s = Double(ns.substring(with: m.range(at: 1))) { sizes.append(s) }
        }
        fontSizes = sizes
    }

    /// Texts reaching more than `tolerance` beyond the canvas.
    public func outside(tolerance: Double = 1) -> [Item] {
        items.filter { $0.x0 < -tolerance || $0.y0 < -tolerance || $0.x1 > width + tolerance || $0.y1 > height + tolerance }
    }

    /// Pairs of texts whose boxes overlap by more than `slack` points each way (the boxes are
    /// approximate, so touching boxes are not counted).
    public func overlaps(slack: Double = 1) -> [(Item, Item)] {
        var out: [(Item, Item)] = []
        for i in items.indices {
            for j in items.indices where j > i {
                let a = items[i], b = items[j]
                let dx = min(a.x1, b.x1) - max(a.x0, b.x0), dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                if dx > slack, dy > slack { out.append((a, b)) }
            }
        }
        return out
    }
}

/// Checks a rendered SVG figure and its gnuplot files: 6.5 or 3.5 in wide and at most 9 in
/// tall, no text outside the canvas, no two texts overlapping, no font below `minimumFont`
/// points, and every data block of the
/// `.dat` file drawn by the `.gp` script (`index N`), so no series is silently dropped.
public func assertReadableFigure(_ svg: URL, minimumFont: Double = 8, file: StaticString = #filePath, line: UInt = #line) {
    guard let text = try? String(contentsOf: svg, encoding: .utf8) else { return XCTFail("\(svg.path): unreadable", file: file, line: line) }
    let layout = SVGTextLayout(svg: text)
    let name = svg.lastPathComponent
    XCTAssertGreaterThan(layout.items.count, 0, "\(name): no text found", file: file, line: line)
    let outside = layout.outside()
    XCTAssertTrue(outside.isEmpty, "\(name): text leaves the canvas \(layout.width)×\(layout.height): \(outside)", file: file, line: line)
    let overlaps = layout.overlaps()
    XCTAssertTrue(overlaps.isEmpty, "\(name): overlapping text: \(overlaps.prefix(6).map { "\($0.0) × \($0.1)" })", file: file, line: line)
    // Print size (the viewBox has 72 units per inch): a page at most 9 in tall and the text
    // width (6.5 in) or a column (3.5 in) wide; a taller figure splits into pages.
    XCTAssertLessThanOrEqual(layout.height / 72, 9.01, "\(name): a page \(layout.height / 72) in tall", file: file, line: line)
    XCTAssertTrue([3.5, 6.5].contains { abs(layout.width / 72 - $0) < 0.01 }, "\(name): \(layout.width / 72) in wide", file: file, line: line)
    let small = layout.fontSizes.filter { $0 < minimumFont - 1e-9 }
    XCTAssertTrue(small.isEmpty, "\(name): fonts below \(minimumFont) pt: \(Set(small).sorted())", file: file, line: line)

    let base = svg.deletingPathExtension()
    guard let data = try? String(contentsOf: base.appendingPathExtension("dat"), encoding: .utf8),
          let script = try? String(contentsOf: base.appendingPathExtension("gp"), encoding: .utf8) else {
        return XCTFail("\(name): no .dat/.gp beside it", file: file, line: line)
    }
    // Blocks holding data (a trailing block of comments only, e.g. notes, is not a series).
    let blocks = data.components(separatedBy: "\n\n\n").filter { block in
        block.split(separator: "\n").contains { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }.count
    let regex = try? NSRegularExpression(pattern: #"index ([0-9]+)"#)
    let ns = script as NSString
    let drawn = Set((regex?.matches(in: script, range: NSRange(location: 0, length: ns.length)) ?? []).compactMap { Int(ns.substring(with: $0.range(at: 1))) })
    let missing = (0..<blocks).filter { !drawn.contains($0) }
    XCTAssertTrue(missing.isEmpty || (blocks == 1 && !script.contains("index ") && script.contains("datafile")),
                  "\(name): data blocks \(missing) of \(blocks) are never plotted", file: file, line: line)
}
