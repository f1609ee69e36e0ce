import Numerics
import XCTest

final class BLASKernelTests: XCTestCase {
    func testGenericKernelOnAWideCPUIsAFallback() {
        let avx512 = BLASKernel(coreName: "Prescott", cpuHasAVX2: true, cpuHasAVX512: true)
        XCTAssertTrue(avx512.isGenericFallback)
        XCTAssertEqual(avx512.suggestedCoreType, "SkylakeX")
        XCTAssertNotNil(avx512.warning)
        let avx2 = BLASKernel(coreName: "Sandybridge", cpuHasAVX2: true, cpuHasAVX512: false)
        XCTAssertEqual(avx2.suggestedCoreType, "Haswell")
        let forced = BLASKernel(coreName: "Prescott", cpuHasAVX2: true, cpuHasAVX512: false, forcedCoreType: "Prescott")
        XCTAssertTrue(forced.warning?.contains("If it was set to avoid an OpenBLAS fault") ?? false)
    }

    func testFittingKernelsAndOldCPUsGetNoWarning() {
        for name in ["Haswell", "Zen", "SkylakeX", "COOPERLAKE"] {
            XCTAssertNil(BLASKernel(coreName: name, cpuHasAVX2: true, cpuHasAVX512: true).warning, name)
        }
        XCTAssertNil(BLASKernel(coreName: "Prescott", cpuHasAVX2: false, cpuHasAVX512: false).warning)
    }

    func testTheCurrentKernelHasAName() {
        XCTAssertFalse(BLASKernel.current.coreName.isEmpty)
    }
}
