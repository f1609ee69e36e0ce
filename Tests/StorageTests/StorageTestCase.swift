import Foundation
import Storage
import TestSupport
import XCTest

/// Gives each test its own temporary directory, removed afterwards.
class StorageTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("spillsim-storage")
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Runs `body`, which must throw an `HDF5Error`; returns it for inspection.
    func expectHDF5Error(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> HDF5Error? {
        do {
            try body()
            XCTFail("expected an HDF5Error, nothing was thrown", file: file, line: line)
        } catch let e as HDF5Error {
            return e
        } catch {
            XCTFail("expected an HDF5Error, got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }
}
