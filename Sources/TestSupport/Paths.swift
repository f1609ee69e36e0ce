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

    /// A fresh temporary directory removed at process exit is not guaranteed; tests clean up what they make.
    public static func temporaryDirectory(_ name: String = "spillsim-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
