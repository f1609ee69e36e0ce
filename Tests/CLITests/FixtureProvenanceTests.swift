import Foundation
import TestSupport
import XCTest

/// A fixture made by `spillsim generate` alone must still be what its provenance command makes:
/// generator_panel.csv had drifted from its header (the disabled treatment's Z trend and `post`
/// column changed under it) with nothing to notice. Every `*.provenance.md` whose "Made by" command
/// is a `spillsim generate` writing committed fixtures is rerun into a temporary folder and the
/// files compared number by number.
final class FixtureProvenanceTests: XCTestCase {
    func testGeneratedFixturesMatchTheirProvenanceCommand() throws {
        let root = TestPaths.repositoryRoot
        let folder = root.appendingPathComponent("Tests/EstimatorsTests/Fixtures")
        let dir = try TestPaths.temporaryDirectory("spillsim-provenance")
        defer { try? FileManager.default.removeItem(at: dir) }
        var checked = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".provenance.md") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            guard let start = text.range(of: "Made by `spillsim generate "), let end = text[start.upperBound...].firstIndex(of: "`") else { continue }
            let arguments = ["generate"] + text[start.upperBound..<end].split(separator: " ").map(String.init)
            // Only a command that writes committed fixtures directly (others post-process a file in /tmp).
            let outputs = arguments.indices.dropLast().filter { arguments[$0].hasSuffix("-out") || arguments[$0] == "--out" }
            guard !outputs.isEmpty, outputs.allSatisfy({ arguments[$0 + 1].hasPrefix("Tests/") }) else { continue }
            let key = arguments.joined(separator: " ")
            guard checked.insert(key).inserted else { continue }
            var rerun = arguments
            for k in outputs { rerun[k + 1] = dir.appendingPathComponent((arguments[k + 1] as NSString).lastPathComponent).path }
            let r = try ProcessRunner.spillsim(rerun, currentDirectory: root)
            XCTAssertEqual(r.status, 0, "\(name): \(r.err)")
            for k in outputs {
                let committed = try String(contentsOf: root.appendingPathComponent(arguments[k + 1]), encoding: .utf8)
                let made = try String(contentsOfFile: rerun[k + 1], encoding: .utf8)
                compare(committed, made, label: "\(arguments[k + 1]) vs its provenance command in \(name)")
            }
        }
        XCTAssertFalse(checked.isEmpty, "no provenance file names a `spillsim generate` command")
    }

    /// Cell by cell: text equal, numbers to 1e-9 relative — the generator's last bits may differ with
    /// another CPU's BLAS kernels; a drift of the data-generating process is orders of magnitude larger.
    private func compare(_ expected: String, _ observed: String, label: String) {
        let a = expected.split(separator: "\n"), b = observed.split(separator: "\n")
        guard a.count == b.count else { return XCTFail("\(label): \(a.count) lines committed, \(b.count) made") }
        for (line, (x, y)) in zip(a, b).enumerated() {
            let u = x.split(separator: ",", omittingEmptySubsequences: false), v = y.split(separator: ",", omittingEmptySubsequences: false)
            guard u.count == v.count else { return XCTFail("\(label), line \(line + 1): \(u.count) fields committed, \(v.count) made") }
            for (p, q) in zip(u, v) where p != q {
                guard let s = Double(p), let t = Double(q), abs(s - t) <= 1e-9 * max(1, abs(s)) else {
                    return XCTFail("\(label), line \(line + 1): committed \(p), made \(q)")
                }
            }
        }
    }
}
