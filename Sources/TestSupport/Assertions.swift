import XCTest

/// Asserts |expected − observed| ≤ tolerance. Every call site states why its
/// tolerance is what it is; floats are never compared with `==`.
public func assertClose(_ expected: Double, _ observed: Double, tolerance: Double,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    let ok = (expected.isNaN && observed.isNaN) || abs(expected - observed) <= tolerance
    XCTAssertTrue(ok, "expected \(expected), observed \(observed), |diff| = \(abs(expected - observed)) > \(tolerance). \(message())",
                  file: file, line: line)
}

/// Element-wise `assertClose` for vectors of equal length.
public func assertClose(_ expected: [Double], _ observed: [Double], tolerance: Double,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(expected.count, observed.count, "length mismatch. \(message())", file: file, line: line)
    for (i, (e, o)) in zip(expected, observed).enumerated() {
        assertClose(e, o, tolerance: tolerance, "index \(i). \(message())", file: file, line: line)
    }
}

/// Asserts |expected − observed| ≤ k × mcse: a Monte Carlo check stated in
/// Monte Carlo standard errors rather than a magic tolerance.
public func assertWithinMCSE(_ expected: Double, _ observed: Double, mcse: Double, k: Double = 3,
                             _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(abs(expected - observed) <= k * mcse,
                  "expected \(expected), observed \(observed): |diff| = \(abs(expected - observed)) > \(k) × MCSE \(mcse). \(message())",
                  file: file, line: line)
}
