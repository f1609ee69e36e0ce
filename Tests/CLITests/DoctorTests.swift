import Foundation
import XCTest

/// Runs the built `spillsim doctor` and checks it reports the linked libraries.
final class DoctorTests: XCTestCase {
    /// The `spillsim` executable SwiftPM built next to this test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("spillsim")
    }

    func testDoctorPrintsLibraryVersions() throws {
        let exe = Self.executable
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: exe.path), "spillsim not built at \(exe.path)")
        let p = Process()
        p.executableURL = exe
        p.arguments = ["doctor"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        // HDF5 comes from Storage's HDF5Library.version: "major.minor.release".
        XCTAssertNotNil(text.range(of: #"HDF5 +1\.\d+\.\d+"#, options: .regularExpression), text)
        XCTAssertNotNil(text.range(of: #"GSL +2\.\d+"#, options: .regularExpression), text)
        XCTAssertTrue(text.contains("OpenBLAS"), text)
        XCTAssertNotNil(text.range(of: #"cores +\d+"#, options: .regularExpression), text)
    }
}
