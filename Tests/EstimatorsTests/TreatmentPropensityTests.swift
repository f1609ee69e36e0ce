import XCTest
import Numerics
import TestSupport
@testable import Estimators

final class TreatmentPropensityTests: XCTestCase {
    /// With one binary covariate the MLE is closed-form: the intercept is F⁻¹(p̂₀) and the
    /// slope F⁻¹(p̂₁) − F⁻¹(p̂₀), p̂ₓ the treated share in cell x (saturated model).
    func testSaturatedBinaryCovariateMatchesClosedForm() throws {
        // Cell x=0: 2 of 8 treated; cell x=1: 6 of 10 treated.
        let x: [Double] = Array(repeating: 0, count: 8) + Array(repeating: 1, count: 10)
        let d: [Bool] = [true, true] + Array(repeating: false, count: 6) + Array(repeating: true, count: 6) + Array(repeating: false, count: 4)
        let xm = try Matrix(columns: [x])
        let logit = try PropensityScore.fit(treated: d, covariates: xm, names: ["x"], link: .logit)
        assertClose(log(0.25 / 0.75), logit.coefficients[0], tolerance: 1e-10, "closed-form saturated logit")
        assertClose(log(0.6 / 0.4) - log(0.25 / 0.75), logit.coefficients[1], tolerance: 1e-10, "closed-form saturated logit")
        XCTAssertTrue(logit.converged)
        // The score inherits the intercept's error through the logistic, dp = p(1 − p)·dη: the
        // 1e-10 allowed above becomes 0.1875e-10 here (1e-12 was tighter than IRLS's stopping rule).
        assertClose(0.25, logit.scores[0], tolerance: 0.25 * 0.75 * 1e-10, "fitted = cell share")
        let probit = try PropensityScore.fit(treated: d, covariates: xm, names: ["x"], link: .probit)
        assertClose(Normal.quantile(0.25), probit.coefficients[0], tolerance: 1e-9, "closed-form saturated probit")
        assertClose(Normal.quantile(0.6) - Normal.quantile(0.25), probit.coefficients[1], tolerance: 1e-9, "closed-form saturated probit")
        // Information-matrix SE of the logit slope: √(1/(n₀p₀q₀) + 1/(n₁p₁q₁)).
        let se = (1 / (8 * 0.25 * 0.75) + 1 / (10 * 0.6 * 0.4)).squareRoot()
        assertClose(se, logit.covariance[1, 1].squareRoot(), tolerance: 1e-8, "closed-form Fisher information")
    }

    func testCompleteSeparationIsRefusedWithAClearMessage() throws {
        let x: [Double] = [1, 2, 3, 4, 5, 6]
        let d = [false, false, false, true, true, true]
        assertThrows(try PropensityScore.fit(treated: d, covariates: try Matrix(columns: [x]), names: ["gdp"]), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("separate"), "\(e)")
        }
    }

    func testQuasiCompleteSeparationIsRefused() throws {
        // x = 1 implies treated; x = 0 mixes.
        let x: [Double] = [0, 0, 0, 0, 1, 1, 1]
        let d = [false, true, false, true, true, true, true]
        assertThrows(try PropensityScore.fit(treated: d, covariates: try Matrix(columns: [x]), names: ["port"]), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("separate"), "\(e)")
        }
    }

    func testConstantCovariateIsNamed() throws {
        let d = [false, true, false, true, true, false]
        let x = try Matrix(columns: [[1, 2, 3, 1, 2, 4], [5, 5, 5, 5, 5, 5]])
        assertThrows(try PropensityScore.fit(treated: d, covariates: x, names: ["gdp", "coastal"]), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("'coastal' is constant"), "\(e)")
        }
    }
}
