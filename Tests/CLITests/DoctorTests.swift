import Foundation
import TestSupport
import XCTest

/// Runs the built `spillsim doctor` and checks it reports the linked libraries.
final class DoctorTests: XCTestCase {
    func testDoctorPrintsLibraryVersions() throws {
        let r = try ProcessRunner.spillsim(["doctor"])
        let text = r.out
        XCTAssertEqual(r.status, 0, text + r.err)
        // HDF5 comes from Storage's HDF5Library.version: "major.minor.release".
        XCTAssertNotNil(text.range(of: #"HDF5 +1\.\d+\.\d+"#, options: .regularExpression), text)
        XCTAssertNotNil(text.range(of: #"GSL +2\.\d+"#, options: .regularExpression), text)
        XCTAssertTrue(text.contains("OpenBLAS"), text)
        XCTAssertNotNil(text.range(of: #"cores +\d+"#, options: .regularExpression), text)
    }
}
