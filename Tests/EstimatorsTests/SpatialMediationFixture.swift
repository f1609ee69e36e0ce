@testable import Estimators
import Foundation
import XCTest

/// The spatial-mediation fixture panel the static and dynamic mediator tests share
/// (Fixtures/spatial_mediation_{panel,W,V}.csv, scripts/fixtures/make_spatial_mediation.py).
enum SpatialMediationFixture {
    static func url(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"), name)
    }

    /// The panel (Mis on D, treat, post, CA and the controls lngdppc, gov), its W, and the exposure
    /// matrix read from the named file (nil: none, the estimator uses W).
    static func load(exposure: String?) throws -> (data: SpatialMediationData, dataset: SpatialDataset, exposure: ExposureWeights?) {
        let controls = ["lngdppc", "gov"]
        let dataset = try SpatialDataLoader.load(data: try url("spatial_mediation_panel.csv"),
                                                 weights: try url("spatial_mediation_W.csv"), id: "city", time: "year", y: "Mis",
                                                 x: ["D", "treat", "post", "CA"] + controls)
        let data = try SpatialMediationData.columns(of: dataset, mediator: "D", treat: "treat", post: "post", moderator: "CA",
                                                    controls: controls)
        let e = try exposure.map { try ExposureWeights.read(csv: try url($0), units: dataset.units) }
        return (data, dataset, e)
    }
}
