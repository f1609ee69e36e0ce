import Foundation

/// Locations a test needs: the repository root (found from this file's path,
/// so tests run from any working directory) and the shared data folder.
public enum TestPaths {
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Sources/TestSupport/Paths.swift
        return url
    }()

    /// `../shared/data` beside the repository (provided by the project's workspace and CI).
    public static var sharedData: URL { repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data") }

    /// A fresh temporary directory removed at process exit is not guaranteed; tests clean up what they make.
    public static func temporaryDirectory(_ name: String = "spillsim-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
