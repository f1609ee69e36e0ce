import TestSupport
import XCTest

/// `spillsim bench replication` profiles any scenario kind: a city system stage by stage, an
/// observed design or a known_dgp as one stage per replication, saying so (it used to refuse them).
/// Checks what runs and what is printed, never a time.
final class BenchReplicationKindsTests: XCTestCase {
    func testObservedAndKnownDGPScenariosAreProfiledAsOneStage() throws {
        for (scenario, kind) in [("scenarios/ols-check.yaml", "known_dgp"), ("scenarios/cigarette-calibrated.yaml", "observed")] {
            let path = TestPaths.repositoryRoot.appendingPathComponent(scenario).path
            let r = try ProcessRunner.spillsim(["bench", "replication", path, "--reps", "1", "--rounds", "1", "--no-peer", "--run-reps", "0"])
            XCTAssertEqual(r.status, 0, "\(scenario): \(r.err)")
            XCTAssertTrue(r.out.contains("(\(kind) scenario: only city-system scenarios are timed stage by stage"), "\(scenario): \(r.out)")
            XCTAssertTrue(r.out.contains("replicate (generation and every fit, not split)"), "\(scenario): \(r.out)")
            XCTAssertTrue(r.out.contains("replication total:"), "\(scenario): \(r.out)")
            XCTAssertFalse(r.out.contains("fits not ok"), "\(scenario): \(r.out)")
        }
    }
}
