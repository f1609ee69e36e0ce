import Foundation
import Storage
import TestSupport
import XCTest

/// Storage reads files written by h5py (fixture: Fixtures/h5py-written.h5,
/// made by scripts/fixtures/storage_h5py.py): fixed-length strings, 32-bit
/// numbers, length-1 array attributes.
final class ForeignFileTests: XCTestCase {
    func testReadsAnH5pyWrittenFile() throws {
        guard let url = Bundle.module.url(forResource: "h5py-written", withExtension: "h5", subdirectory: "Fixtures") else {
            return XCTFail("fixture Fixtures/h5py-written.h5 missing from the test bundle")
        }
        let f = try HDF5File.open(url.path)
        XCTAssertEqual(try f.dataset("fixed").read(as: String.self), ["abc", "de"])
        XCTAssertEqual(try f.dataset("vlen").read(as: String.self), ["Zürich", "ρ"])
        XCTAssertEqual(try f.dataset("i32").read(as: Int.self), [1, -2, 3])
        // 0.5 and 1.5 are exact in float32, so the widened doubles are exact too.
        XCTAssertEqual(try f.dataset("f32").read(as: Double.self), [0.5, 1.5])
        XCTAssertEqual(try f.dataset("grid").readRows(as: Double.self).rowArrays, [[0, 1, 2], [3, 4, 5]])
        XCTAssertEqual(try f.stringAttribute("fixed_attr"), "hello")
        XCTAssertEqual(try f.intAttribute("i32_attr"), 7)
        XCTAssertEqual(try f.stringAttribute("str_attr"), "plain")
        XCTAssertEqual(try f.doubleAttribute("one_element"), 2.5, "a length-1 array serves as a scalar")
        XCTAssertEqual(try f.intsAttribute("ints"), [1, 2, 3])
        assertThrows(try f.dataset("f32").read(as: Int.self), as: HDF5Error.self, "floats are never truncated to integers")
        try f.close()
    }
}
