@testable import Estimators
import XCTest

/// `SpatialBenchmark.batches` (the per-fit samples `bench sdm --peer` sets against spreg's fits): one
/// sample per batch, each the mean over at least one fit, and a batch runs until its CPU time
/// reaches the target. No timing is asserted (times depend on the machine).
final class SpatialBenchmarkBatchesTests: XCTestCase {
    func testEachBatchIsOneSampleOverAtLeastOneFit() throws {
        let p = try SyntheticSDMPanel(n: 30, t: 3, seed: 7)
        let one = try SpatialBenchmark.batches(p, count: 3, batchCPUMs: 0)
        XCTAssertEqual(one.fitsPerBatch, [1, 1, 1], "a target of 0 ms stops each batch after its first fit")
        XCTAssertEqual(one.cpuMs.count, 3)
        XCTAssertEqual(one.wallMs.count, 3)
        XCTAssertTrue(one.cpuMs.allSatisfy { $0.isFinite && $0 >= 0 })
        XCTAssertTrue(one.wallMs.allSatisfy { $0.isFinite && $0 > 0 })
        // A target no single fit reaches on any machine keeps fitting: several fits, one sample each batch.
        let long = try SpatialBenchmark.batches(p, count: 2, batchCPUMs: 1e-9 + 2 * one.cpuMs.max()! + 0.05)
        XCTAssertEqual(long.fitsPerBatch.count, 2)
        XCTAssertTrue(long.fitsPerBatch.allSatisfy { $0 >= 1 })
        for (mean, fits) in zip(long.cpuMs, long.fitsPerBatch) {
            XCTAssertGreaterThanOrEqual(mean * Double(fits), 2 * one.cpuMs.max()! + 0.05 - 1e-9, "the batch ran until its CPU time reached the target")
        }
    }
}
