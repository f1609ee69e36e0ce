import Foundation
import TestSupport
import XCTest

/// The repository is self-contained: a user clones it alone, so nothing the product or its
/// tests use may refer to a folder beside the clone.
final class RepositoryHygieneTests: XCTestCase {
    func testNothingRefersToAFolderBesideTheClone() throws {
        // Built from parts so this file does not match itself.
        let forbidden = [".." + "/shared", "shared" + "/data"]
        let fm = FileManager.default
        var offenders: [String] = []
        var scanned = 0
        for top in ["Sources", "Tests", "scripts", "docs", "README.md", "bench", ".ci"] {
            let root = TestPaths.repositoryRoot.appendingPathComponent(top)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
                XCTAssertNotEqual(top, "Sources", "the repository root was not found at \(TestPaths.repositoryRoot.path)")
                continue
            }
            let files: [URL]
            if isDirectory.boolValue {
                let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
                files = (walker?.allObjects as? [URL] ?? []).filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            } else {
                files = [root]
            }
            for file in files {
                guard let data = try? Data(contentsOf: file), let text = String(data: data, encoding: .utf8) else { continue }
                scanned += 1
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where forbidden.contains(where: { line.contains($0) }) {
                    offenders.append("\(file.path.replacingOccurrences(of: TestPaths.repositoryRoot.path + "/", with: "")):\(number + 1): \(line.prefix(120))")
                }
            }
        }
        XCTAssertGreaterThan(scanned, 100, "the scan found too few files to be meaningful")
        XCTAssertEqual(offenders, [], "files that refer to a folder beside the clone:\n" + offenders.joined(separator: "\n"))
    }

    func testTheCigarettePanelIsInTheRepository() throws {
        for name in ["cigarette.csv", "usa46_contiguity.csv", "SOURCE.md"] {
            let url = TestPaths.cigarette.appendingPathComponent(name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "missing \(url.path)")
        }
    }
}
