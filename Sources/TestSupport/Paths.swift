import Foundation

/// Locations a test needs: the repository root (found from this file's path,
/// so tests run from any working directory) and the data committed with it.
public enum TestPaths {
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Sources/TestSupport/Paths.swift
        return url
    }()

    /// `data/` in the repository: real panels the tests and examples use (provenance in each folder's SOURCE.md).
    public static var repositoryData: URL { repositoryRoot.appendingPathComponent("data") }

    /// The Baltagi cigarette panel and its usa46 contiguity W (`data/cigarette/`).
    public static var cigarette: URL { repositoryData.appendingPathComponent("cigarette") }

    /// A file committed with the repository (a fixture, a data set), by its path from the root.
    /// Throws when it is absent, so a test that needs it fails: a missing fixture is a broken
    /// checkout, never a reason to skip the check.
    public static func committed(_ relativePath: String) throws -> URL {
        let url = repositoryRoot.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestSetupError("\(relativePath) is missing: it is committed with the repository (git checkout -- \(relativePath))")
        }
        return url
    }

    /// A fresh temporary directory removed at process exit is not guaranteed; tests clean up what they make.
    public static func temporaryDirectory(_ name: String = "spillsim-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
