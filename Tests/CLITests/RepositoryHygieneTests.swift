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

    /// rebuild_all.sh says it rebuilds every fixture, yet nine make_* scripts had been added without
    /// it. Each make_* script must be run by it or named in its header's list of exceptions
    /// (`#   make_x.py: reason`), and every script it names must exist.
    func testRebuildAllRunsEveryFixtureScriptOrSaysWhyNot() throws {
        let folder = TestPaths.repositoryRoot.appendingPathComponent("scripts/fixtures")
        let text = try String(contentsOf: folder.appendingPathComponent("rebuild_all.sh"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let commands = lines.filter { !$0.hasPrefix("#") }
        let exceptions = lines.filter { $0.hasPrefix("#   make_") }.compactMap { line -> String? in
            let entry = line.dropFirst(4).split(separator: ":", maxSplits: 1)
            return entry.count == 2 && !entry[1].trimmingCharacters(in: .whitespaces).isEmpty ? String(entry[0]) : nil
        }
        let scripts = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("make_") }.sorted()
        XCTAssertGreaterThan(scripts.count, 20, "too few make_* scripts found in \(folder.path)")
        let missing = scripts.filter { name in
            !exceptions.contains(name) && !commands.contains { $0.contains("scripts/fixtures/" + name + " ") || $0.hasSuffix("scripts/fixtures/" + name) }
        }
        XCTAssertEqual(missing, [], "make_* scripts neither run by scripts/fixtures/rebuild_all.sh nor listed in its header with a reason")
        let named = Set((commands.joined(separator: " ") + " " + exceptions.map { "scripts/fixtures/" + $0 }.joined(separator: " "))
            .split(separator: " ").filter { $0.hasPrefix("scripts/fixtures/") }.map { String($0.dropFirst("scripts/fixtures/".count)) })
        XCTAssertEqual(named.filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }, [],
                       "rebuild_all.sh names scripts that do not exist")
    }

    func testTheCigarettePanelIsInTheRepository() throws {
        for name in ["cigarette.csv", "usa46_contiguity.csv", "SOURCE.md"] {
            let url = TestPaths.cigarette.appendingPathComponent(name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "missing \(url.path)")
        }
    }
}
