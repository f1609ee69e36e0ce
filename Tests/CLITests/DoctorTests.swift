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

extension DoctorTests {
    /// The BLAS kernel is named, and a forced generic kernel on a CPU with AVX2 is warned about.
    func testDoctorNamesTheBLASKernel() throws {
        let r = try ProcessRunner.spillsim(["doctor"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNotNil(r.out.range(of: #"kernel +\S+ \((detected|forced by OPENBLAS_CORETYPE=\S+); CPU: "#, options: .regularExpression), r.out)
        let forced = try ProcessRunner.run(try ProcessRunner.spillsim(), ["doctor"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertEqual(forced.status, 0, forced.err)
        XCTAssertTrue(forced.out.contains("kernel     Prescott (forced by OPENBLAS_CORETYPE=Prescott"), forced.out)
        let cpuHasAVX2 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains(" avx2") ?? false
        XCTAssertEqual(forced.out.contains("warning"), cpuHasAVX2, forced.out)
    }
}
