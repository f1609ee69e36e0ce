import Foundation
import Numerics
import TestSupport
import XCTest

/// CDFs and quantiles against reference values computed with mpmath at 40
/// digits (regularised incomplete beta/gamma; root-finding for quantiles) and
/// cross-checked with SciPy 1.17 (scipy.stats.norm/t/chi2/f), which agrees to
/// ≤ 2 ulp. Tolerances: GSL's CDFs are accurate to a few ε; its quantiles are
/// refined by Newton steps to about 1e-13 relative, so 1e-12 is used for them.
final class DistributionTests: XCTestCase {
    func testCDFsAgainstReferenceValues() {
        assertClose(0.9750021048517795659, Normal.cdf(1.96), tolerance: 1e-15, "Φ(1.96)")
        assertClose(0.001349898031630094527, Normal.cdf(-3), tolerance: 1e-17, "Φ(−3), lower tail kept accurate")
        assertClose(0.001349898031630094527, Normal.survival(3), tolerance: 1e-17, "1 − Φ(3) without cancellation")
        assertClose(0.9750021048517795659, Normal.cdf(3.96, mean: 2), tolerance: 1e-15, "location shift")
        assertClose(0.9490302605850708219, StudentT.cdf(2, df: 5), tolerance: 1e-14, "t₅ at 2")
        assertClose(0.4421745996289254277, ChiSquared.cdf(3, df: 4), tolerance: 1e-14, "χ²₄ at 3")
        assertClose(0.8294730741512228074, FisherF.cdf(2, df1: 4, df2: 10), tolerance: 1e-14, "F(4,10) at 2")
        assertClose(1 - 0.8294730741512228074, FisherF.survival(2, df1: 4, df2: 10), tolerance: 1e-14)
    }

    func testQuantilesAgainstReferenceValues() {
        assertClose(1.959963984540054, Normal.quantile(0.975), tolerance: 1e-12, "z₀.₉₇₅")
        // The issue text gave 2.2281388519649385; mpmath (and SciPy) give 2.2281388519862747.
        assertClose(2.228138851986274748, StudentT.quantile(0.975, df: 10), tolerance: 1e-12, "t₁₀ 0.975")
        assertClose(7.814727903251179955, ChiSquared.quantile(0.95, df: 3), tolerance: 1e-12, "χ²₃ 0.95")
        assertClose(3.098391212140780099, FisherF.quantile(0.95, df1: 3, df2: 20), tolerance: 1e-12, "F(3,20) 0.95")
    }

    func testQuantileInvertsCDF() {
        for p in [0.001, 0.05, 0.5, 0.9, 0.999] {
            assertClose(p, Normal.cdf(Normal.quantile(p)), tolerance: 1e-14, "Φ(Φ⁻¹(p)) = p")
            assertClose(p, StudentT.cdf(StudentT.quantile(p, df: 3.5), df: 3.5), tolerance: 1e-13, "t, fractional df")
            assertClose(p, ChiSquared.cdf(ChiSquared.quantile(p, df: 7), df: 7), tolerance: 1e-13)
            assertClose(p, FisherF.cdf(FisherF.quantile(p, df1: 2, df2: 30), df1: 2, df2: 30), tolerance: 1e-13)
        }
    }

    func testQuantilesOutsideTheUnitIntervalAreNaNNotTraps() {
        XCTAssertTrue(StudentT.quantile(1.5, df: 3).isNaN)
        XCTAssertTrue(ChiSquared.quantile(-0.1, df: 3).isNaN)
        XCTAssertTrue(FisherF.quantile(0.5, df1: 0, df2: 3).isNaN)
        XCTAssertEqual(Normal.quantile(0), -.infinity)
        XCTAssertEqual(Normal.quantile(1), .infinity)
    }

    /// GSL's error handler is off, so a domain error comes back as a status and becomes a GSLError.
    func testInducedGSLErrorsBecomeSwiftErrors() throws {
        let gslEDOM: Int32 = 1   // GSL_EDOM in gsl_errno.h
        assertThrows(try SpecialFunctions.log(-1), as: GSLError.self) { error in
            XCTAssertEqual(error, GSLError(function: "gsl_sf_log_e", code: gslEDOM))
            XCTAssertEqual(error.reason, "input domain error")
        }
        assertThrows(try SpecialFunctions.log(0), as: GSLError.self) { XCTAssertEqual($0, GSLError(function: "gsl_sf_log_e", code: gslEDOM), "log 0") }
        assertThrows(try SpecialFunctions.logGamma(0), as: GSLError.self) { error in
            XCTAssertEqual(error, GSLError(function: "gsl_sf_lngamma_e", code: gslEDOM), "Γ has a pole at 0")
        }
        assertThrows(try SpecialFunctions.logGamma(-2), as: GSLError.self) {
            XCTAssertEqual($0, GSLError(function: "gsl_sf_lngamma_e", code: gslEDOM), "poles at the negative integers")
        }
        // And the same functions work where defined: log Γ(1/2) = log √π, log Γ(10) = log 9!.
        // Exact identities, but both sides are rounded: GSL's lngamma is accurate to a few ε relative
        // (its own error estimate is of that order; 4 ulps were seen at x = 10), and glibc's log can
        // pick another variant (FMA or not) on another CPU. 16 ε relative covers both.
        for (x, exact) in [(0.5, 0.5 * log(Double.pi)), (10, log(362_880))] {
            assertClose(exact, try SpecialFunctions.logGamma(x), tolerance: 16 * .ulpOfOne * abs(exact), "log Γ(\(x))")
        }
        assertClose(1, try SpecialFunctions.log(M_E), tolerance: 1e-15)
    }
}

/// The selection median equals the sorting median bit for bit (same order statistics,
/// same interpolation), with ties, odd and even sizes.
final class SelectionMedianTests: XCTestCase {
    func testSelectionMedianEqualsSortedMedian() {
        let stream = RandomStream(seed: 5)
        for n in 1...60 {
            for _ in 0..<20 {
                // Values on a coarse grid so that ties are common.
                var x = (0..<n).map { _ in Double(stream.integer(below: 7)) - 3 + (stream.bernoulli(0.5) ? 0.25 : 0) }
                let expected = Statistics.median(x)
                XCTAssertEqual(Statistics.median(selectingIn: &x).bitPattern, expected.bitPattern, "n = \(n)")
            }
        }
        var empty: [Double] = []
        XCTAssertTrue(Statistics.median(selectingIn: &empty).isNaN)
    }

    /// The curve grid's percentiles by selection equal the sorted type-7 quantiles bit for bit,
    /// several quantiles selected in turn on the same (reordered) array, ties included.
    func testQuantilesBySelectionEqualSortedQuantiles() {
        let stream = RandomStream(seed: 11)
        let ps = [0.05, 0.95, 0.25, 0.5, 0.75, 0, 1]
        for n in Array(1...60) + [257, 5_040] {
            for _ in 0..<(n > 60 ? 3 : 10) {
                var x = (0..<n).map { _ in Double(stream.integer(below: 9)) - 4 + (stream.bernoulli(0.5) ? 0.125 : stream.normal()) }
                let sorted = x.sorted()
                let expected = ps.map { Statistics.quantile(sorted: sorted, $0) }
                let got = Statistics.quantiles(selectingIn: &x, ps)
                XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "n = \(n)")
            }
        }
        // Infinite values (the buckets need a finite range): the selection fallback, the same numbers.
        var withInfinities = (0..<101).map { _ in stream.normal() } + [.infinity, -.infinity]
        let sortedInf = withInfinities.sorted()
        XCTAssertEqual(Statistics.quantiles(selectingIn: &withInfinities, [0.25, 0.5, 0.75]).map(\.bitPattern),
                       [0.25, 0.5, 0.75].map { Statistics.quantile(sorted: sortedInf, $0).bitPattern })
        // All equal: no range to cut.
        var flat = [Double](repeating: 2.5, count: 40)
        XCTAssertEqual(Statistics.quantiles(selectingIn: &flat, [0.05, 0.95]), [2.5, 2.5])
        var empty: [Double] = []
        XCTAssertTrue(Statistics.quantiles(selectingIn: &empty, [0.5])[0].isNaN)
    }

    /// A range so small that buckets/(max − min) overflows (subnormal values) falls back to the
    /// selection and gives the sorted quantiles; a NaN anywhere gives NaN, not an arbitrary value.
    func testQuantilesOfSubnormalRangesAndNaN() {
        let small = Double.leastNormalMagnitude / 10_000   // subnormal: 2/(3·small) overflows
        var tiny = [Double](repeating: 0, count: 40) + [small, 3 * small]
        let sorted = tiny.sorted()
        XCTAssertEqual(Statistics.quantiles(selectingIn: &tiny, [0.5, 0.99]).map(\.bitPattern),
                       [0.5, 0.99].map { Statistics.quantile(sorted: sorted, $0).bitPattern })
        var withNaN = (0..<50).map(Double.init) + [.nan]
        XCTAssertTrue(Statistics.quantiles(selectingIn: &withNaN, [0.05, 0.5]).allSatisfy(\.isNaN))
        var medianNaN = [1.0, .nan, 2.0]
        XCTAssertTrue(Statistics.median(selectingIn: &medianNaN).isNaN)
    }
}

