import ArgumentParser
import Foundation
import XCTest
@testable import spillsim

/// Bad input on the newest commands (session-7 review): each refusal names the option the user
/// wrote, not another one.
final class CLIReviewInputTests: XCTestCase {
    func refusal(_ args: [String]) -> String {
        do { _ = try Spillsim.parseAsRoot(args); return "" } catch { return Spillsim.message(for: error) }
    }

    /// `estimate mediation` checked its model columns as if they were --x: `--post year` was
    /// refused as "--time year is also listed in --x".
    func testMediationRolesAreNamedByTheirOwnOption() {
        let base = ["estimate", "mediation", "--data", "d.csv", "--id", "city", "--time", "year", "--y", "Mis", "--mediator", "D", "--treat", "treat"]
        XCTAssertTrue(refusal(base + ["--post", "year"]).contains("--post year is the --time column"), refusal(base + ["--post", "year"]))
        XCTAssertTrue(refusal(base + ["--post", "treat"]).contains("--treat and --post both name treat"), refusal(base + ["--post", "treat"]))
        XCTAssertTrue(refusal(base + ["--post", "post", "--x", "D"]).contains("--mediator and --x both name D"))
        XCTAssertTrue(refusal(base + ["--post", "post", "--x", "gov,gov"]).contains("--x lists gov twice"))
        XCTAssertEqual(refusal(base + ["--post", "post", "--x", "gov"]), "")
    }
}

extension CLISpatialTests {
    /// The turning-point lines name the moderator given (`--moderator logy`: "dx*/dlogy", "at
    /// logy = …"), not D: the README's policy shift `--moderator P` printed "dx*/dD".
    func testTheReportNamesTheModerator() throws {
        let a = try analysis(try parse(cigaretteArgs + ["--quadratic", "logp", "--moderator", "logy", "--durbin", "logp,logy"]))
        let text = SDMReport.text(a)
        XCTAssertTrue(text.contains("dx*/dlogy (direct)"), text)
        XCTAssertTrue(text.contains(" at logy = "), text)
        XCTAssertFalse(text.contains("dx*/dD") || text.contains(" at D = "), text)
        XCTAssertEqual(SDMReport.moderatorName(["CA", "P", "CA^2", "CA:P", "W*CA"]), "P")
        XCTAssertEqual(SDMReport.moderatorName(["CA", "CA^2", "W*CA"]), "D")
    }
}
