import Foundation
import XCTest
@testable import spillsim

/// Option combinations refused at parse time, before any data is read (user-test findings).
final class CLIInputRoleTests: XCTestCase {
    func assertRefused(_ args: [String], mentions text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Spillsim.parseAsRoot(args), file: file, line: line) { e in
            let message = Spillsim.message(for: e)
            XCTAssertTrue(message.contains(text), "\(args): \(message)", file: file, line: line)
        }
    }

    func testOutcomeOrKeysAmongRegressorsAreRefused() {
        let common = ["--data", "d.csv", "--id", "state", "--time", "year", "--y", "logc"]
        assertRefused(["estimate", "sdm", "--weights", "w.csv"] + common + ["--x", "logp,logc"], mentions: "--y logc is also listed in --x")
        assertRefused(["estimate", "twfe"] + common + ["--x", "logp", "logp"], mentions: "lists logp twice")
        assertRefused(["estimate", "twfe"] + common + ["--x", "year"], mentions: "--time year is also listed")
        assertRefused(["estimate", "cs-did"] + common + ["--cohort", "g", "--covariates", "logc"], mentions: "--y logc is also listed")
        assertRefused(["estimate", "psm", "--data", "d.csv", "--treat", "t", "--covariates", "a,t"], mentions: "--treat t is also listed")
        assertRefused(["estimate", "psm-did"] + common + ["--treat", "t", "--post-year", "70", "--covariates", "t"],
                      mentions: "--treat t is also listed")
    }

    func testNegativeCountsAreRefused() {
        assertRefused(["generate", "s.yaml", "--out", "p.csv", "--replication=-1"], mentions: "--replication must be 0 or more")
        assertRefused(["bench", "psm-did", "--repetitions", "0"], mentions: "--repetitions must be at least 1")
    }
}
