import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// Checks that a drawn figure is a well-formed file of its format, not only a file of
/// some size: the PNG signature and IHDR chunk, a PDF's header and end-of-file marker,
/// an SVG that parses as XML with an `svg` root, a cairolatex `.tex` with its picture
/// and a valid graphics PDF beside it.
public func assertValidFigure(_ url: URL, file: StaticString = #filePath, line: UInt = #line) {
    guard let bytes = try? Data(contentsOf: url), !bytes.isEmpty else {
        return XCTFail("\(url.path): missing or empty", file: file, line: line)
    }
    switch url.pathExtension {
    case "png":
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(url.lastPathComponent): PNG signature", file: file, line: line)
        XCTAssertEqual(String(decoding: bytes.dropFirst(12).prefix(4), as: UTF8.self), "IHDR", "\(url.lastPathComponent): IHDR first", file: file, line: line)
    case "pdf":
        XCTAssertEqual(String(decoding: bytes.prefix(5), as: UTF8.self), "%PDF-", "\(url.lastPathComponent): PDF header", file: file, line: line)
        XCTAssertTrue(String(decoding: bytes.suffix(32), as: UTF8.self).contains("%%EOF"), "\(url.lastPathComponent): PDF end marker", file: file, line: line)
    case "svg":
        final class Root: NSObject, XMLParserDelegate {
            var name: String?
            func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if name == nil { name = elementName }
            }
        }
        let parser = XMLParser(data: bytes), root = Root()
        parser.delegate = root
        XCTAssertTrue(parser.parse(), "\(url.lastPathComponent): SVG is not well-formed XML: \(String(describing: parser.parserError))", file: file, line: line)
        XCTAssertEqual(root.name, "svg", "\(url.lastPathComponent): root element", file: file, line: line)
    case "tex":
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\\begin{picture}") && text.contains("\\end{picture}"), "\(url.lastPathComponent): LaTeX picture", file: file, line: line)
        assertValidFigure(url.deletingPathExtension().appendingPathExtension("pdf"), file: file, line: line)
    default:
        XCTFail("\(url.lastPathComponent): unknown figure format", file: file, line: line)
    }
}
