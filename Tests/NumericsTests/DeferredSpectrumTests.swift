@testable import Numerics
import TestSupport
import XCTest

/// A W whose spectrum is deferred (`deferringSpectrum`) runs every check at construction and, once
/// resolved, is the W built with its spectrum at once.
final class DeferredSpectrumTests: XCTestCase {
    func testADeferredSpectrumIsTheSpectrumComputedAtOnce() throws {
        let w = Matrix.ringWeights(23, chords: 4)
        let deferred = try SpatialWeights(w, logDeterminant: .exact, deferringSpectrum: true)
        XCTAssertTrue(deferred.spectrumIsPending)
        try deferred.resolveSpectrum()
        XCTAssertFalse(deferred.spectrumIsPending)
        let now = try SpatialWeights(w, logDeterminant: .exact)
        XCTAssertFalse(now.spectrumIsPending)
        XCTAssertEqual(try XCTUnwrap(deferred.spectrum).real.map(\.bitPattern), try XCTUnwrap(now.spectrum).real.map(\.bitPattern))
        XCTAssertEqual(deferred.stableInterval.lower.bitPattern, now.stableInterval.lower.bitPattern)
        XCTAssertEqual(deferred.stableInterval.upper.bitPattern, now.stableInterval.upper.bitPattern)
        for rho in [-0.4, 0.0, 0.35] {
            XCTAssertEqual(deferred.logDeterminant.logDeterminant(rho: rho).bitPattern, now.logDeterminant.logDeterminant(rho: rho).bitPattern)
        }
        XCTAssertTrue(deferred.squaredG === now.squaredG, "one spectrum per W content in the process (SpectrumCache)")
    }

    /// Deferring the spectrum defers nothing else: a bad W is refused at construction.
    func testADeferredWIsCheckedAtConstruction() throws {
        var island = Matrix.ringWeights(10, chords: 3)
        for j in 0..<10 { island[4, j] = 0 }
        for deferring in [false, true] {
            assertThrows(try SpatialWeights(island, logDeterminant: .exact, deferringSpectrum: deferring), as: NumericsError.self) { e in
                XCTAssertTrue("\(e)".contains("island"), "\(e)")
            }
            var negative = Matrix.ringWeights(10, chords: 3)
            negative[2, 3] = -0.5
            assertThrows(try SpatialWeights(negative, logDeterminant: .exact, deferringSpectrum: deferring), as: NumericsError.self)
        }
    }

    /// A product with W needs no spectrum: multiplying by a W whose spectrum is deferred leaves it deferred
    /// (the packed copy of W is read only from a spectrum already there), with the bits of the W built at once.
    func testAProductDoesNotResolveADeferredSpectrum() throws {
        let w = Matrix.ringWeights(24, chords: 5)
        let deferred = try SpatialWeights(w, logDeterminant: .exact, deferringSpectrum: true)
        let now = try SpatialWeights(w, logDeterminant: .exact)
        let y: [Double] = (0..<144).map { (q: Int) -> Double in sin(Double(q) * 0.7) + 0.1 * Double(q % 5) }
        let xs: [Double] = (0..<288).map { (q: Int) -> Double in cos(Double(q) * 0.37) }
        let x = Matrix(rows: 72, cols: 4, uncheckedColumnMajor: xs)
        let py: [Double] = deferred.applyPanel(y)
        let px: Matrix = deferred.applyPanel(x)
        XCTAssertTrue(deferred.spectrumIsPending, "a product computed the deferred spectrum")
        let nowY: [Double] = now.applyPanel(y), nowX: Matrix = now.applyPanel(x)
        XCTAssertEqual(py.map { $0.bitPattern }, nowY.map { $0.bitPattern })
        XCTAssertEqual(px.data.map { $0.bitPattern }, nowX.data.map { $0.bitPattern })
    }
}
