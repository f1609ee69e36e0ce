import Calibration
import Foundation
import XCTest

final class ContentHashTests: XCTestCase {
    /// Test vectors of FNV-1a 64 from its authors' reference (http://www.isthe.com/chongo/tech/comp/fnv/, test_fnv.c).
    func testFNV1a64Vectors() {
        XCTAssertEqual(ContentHash.fnv1a64(Array("".utf8)), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(ContentHash.fnv1a64(Array("a".utf8)), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(ContentHash.fnv1a64(Array("foobar".utf8)), 0x8594_4171_f739_67e8)
        XCTAssertEqual(ContentHash.label(Data("a".utf8)), "fnv1a64:af63dc4c8601ec8c")
        // Leading zeros are kept: always 16 hex digits.
        XCTAssertEqual(ContentHash.label(Data()).count, "fnv1a64:".count + 16)
    }

    func testRelativePath() {
        XCTAssertEqual(RelativePath.from(directory: "/a/b/scenarios", to: "/a/b/data/c/x.csv"), "../data/c/x.csv")
        XCTAssertEqual(RelativePath.from(directory: "/a/b", to: "/a/b/x.csv"), "x.csv")
        XCTAssertEqual(RelativePath.from(directory: "/a/b/c/", to: "/x.csv"), "../../../x.csv")
    }
}
