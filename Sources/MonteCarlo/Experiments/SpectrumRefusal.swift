import CitySystem
import Estimators
import Foundation
import Numerics

/// Spatial estimators whose fit needs more of a W than the cell holds. Average marginal effects
/// and the cluster/Conley scores of ρ in the SDM and SAR sum per-unit multipliers of (I − ρW)⁻¹
/// through W's symmetric form (`UnitMultipliers`), SAC forms its information from the dense spectra,
/// and the dynamic SDM uses W's (real) eigenvalues. A W held sparse (`city_system.logdet` sparse,
/// chebyshev or mc, or auto above `SpatialWeights.exactSizeLimit` cities) has no spectrum, and a W
/// not similar to a symmetric matrix has no symmetric form: such a fit fails in every replication
/// ("average marginal effects need the spectrum of W") while `validate` said OK. Both are known
/// once the cell is built — whether W is held sparse follows from `logdet` and the number of
/// cities, and a W that does not depend on the data is built once per cell — so each cell says
/// which of its fits cannot run (`Experiment.certainFailures`), decided on its own W, and a design
/// in which a fit cannot run in any cell is refused at load (`makeExperiments`), as
/// `RegionClusterRefusal` does for too few clusters. A grid with a cell where the fit can work
/// still runs (that cell's fits succeed, the others' are recorded as failed).
enum SpectrumRefusal {
    /// What a fit needs of its W's spectrum.
    enum Need: Equatable {
        /// The dense spectrum (W not held sparse).
        case spectrum
        /// The spectrum and W's symmetric form R^{1/2} W R^{-1/2}.
        case symmetricForm
        /// The spectrum, all real, of a row-standardised W.
        case realSpectrum
    }

    /// The W (by `city_system.estimator_weights` name) an estimator reads and what it needs of each, with what needs it.
    static func needs(_ e: EstimatorSpec) -> [(weights: String, need: Need, what: String)] {
        switch e.settings {
        case .spatial(let s):
            // The unbalanced estimator (`missing`) refuses AMEs, SAC and the robust variances itself.
            guard s.missing == nil else { return [] }
            var out: [(String, Need, String)] = []
            if s.spec.model == .sac { out.append((s.weights, .spectrum, "the SAC model (its information matrix is formed from the dense spectrum)")) }
            let ames = e.estimands.filter { SpatialEstimand.parse($0)?.averagedRegressor != nil }
            if !ames.isEmpty { out.append((s.weights, .symmetricForm, "average marginal effects (\(ames.joined(separator: ", ")))")) }
            // SAC's sandwich falls back to the dense Ĝ and H where W has no symmetric form
            // (`SACVariance+Cluster.swift`); the SDM's and SAR's scores of ρ have no such fallback.
            if (s.variance == .cluster || s.variance == .conley) && s.spec.model.hasLag && s.spec.model != .sac {
                out.append((s.weights, .symmetricForm, "the \(s.variance.rawValue) variance (its scores of ρ)"))
            }
            return out
        case .dynamic(let s):
            return [(s.weights, .realSpectrum, "sdm_dynamic (its bias correction and long-run effects use the eigenvalues of W)")]
        case .wSelection(let s):
            guard case .dynamic = s.model else { return [] }
            return s.candidates.map { ($0, .realSpectrum, "fitting sdm_dynamic (its bias correction uses the eigenvalues of W)") }
        case .policyCurve(let s):
            return s.variance == .cluster ? [(s.weights, .symmetricForm, "the cluster variance (its scores of ρ)")] : []
        case .spatialMediation(let s):
            return s.variance == .cluster ? [(s.weights, .symmetricForm, "the cluster variance (its scores of ρ)")] : []
        case .psmDiD, .spilloverDiD, .twfe, .csDiD, .mediation, .eventStudy:
            return []
        }
    }

    /// Why W cannot serve `need`, or nil. `weights` nil: a W built per replication (it depends on the
    /// data), of which only whether it is held sparse is known.
    static func failure(_ need: Need, weights: SpatialWeights?, heldSparse: Bool, logdet: LogDeterminantMethod, cities: Int) -> (reason: String, fix: String)? {
        if heldSparse {
            let why = logdet == .auto ? "logdet auto holds W sparse above \(SpatialWeights.exactSizeLimit) cities (this cell has \(cities))"
                : "city_system.logdet \(logdet.rawValue) holds W sparse"
            return ("is held sparse, without its spectrum (\(why))",
                    logdet == .auto ? "use at most \(SpatialWeights.exactSizeLimit) cities" : "set `city_system.logdet: exact` (or auto: exact up to \(SpatialWeights.exactSizeLimit) cities)")
        }
        guard let w = weights, let spectrum = w.spectrum else { return nil }
        switch need {
        case .spectrum: return nil
        case .symmetricForm:
            guard spectrum.symmetricForm == nil else { return nil }
            return ("is not similar to a symmetric matrix (its connectivity is not symmetric)",
                    "use a W with a symmetric connectivity (e.g. `symmetrise: true` for knn), row-normalised")
        case .realSpectrum:
            if !w.isRowStandardised { return ("is not row-standardised", "row-normalise W (`normalise: row`)") }
            guard !spectrum.isReal else { return nil }
            return ("has complex eigenvalues (its connectivity is not symmetric)",
                    "use a W with a symmetric connectivity (e.g. `symmetrise: true` for knn)")
        }
    }

    /// The estimators of `cell` (by index) that cannot be fitted on this cell's W, each with the
    /// refusal `makeExperiments` throws when the same estimator cannot be fitted in any cell either.
    static func failures(_ cell: DesignCell, spec: ScenarioSpec, system: CitySystemCell,
                         reader: ScenarioValueReader) -> [Int: ScenarioError] {
        let c = spec.citySystem
        let cities = system.geography.region.count
        func weights(_ name: String) -> SpatialWeights? {
            c.estimatorWeights.first { $0.name == name }?.isTrue == true ? system.trueWeights : system.fixedEstimatorWeights[name]
        }
        let heldSparse = WeightBuilder.holdsSparse(c.logDeterminant, count: cities)
        var out: [Int: ScenarioError] = [:]
        for (k, e) in cell.estimators.enumerated() {
            for n in needs(e) {
                guard let found = failure(n.need, weights: weights(n.weights), heldSparse: heldSparse, logdet: c.logDeterminant,
                                          cities: cities) else { continue }
                out[k] = reader.error("estimators[\(k)]",
                                      "`\(e.name)` (\(e.model)) needs \(n.need == .spectrum ? "the spectrum" : n.need == .symmetricForm ? "the symmetric form" : "the real eigenvalues") of W `\(n.weights)` for \(n.what), but that W \(found.reason), and no cell of this design has a W it can use, so every replication's fit would fail",
                                      fix: "\(found.fix), or remove \(n.what.components(separatedBy: " (").first ?? n.what)")
                break
            }
        }
        return out
    }
}
