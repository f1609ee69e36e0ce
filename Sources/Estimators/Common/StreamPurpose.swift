import Numerics

/// The `purpose` of every random stream the estimators and their benchmarks draw
/// from, in one place so that no two uses share a stream. The values are what
/// earlier versions used (ASCII tags where not small), so seeds reproduce old results.
public enum EstimatorStreamPurpose: UInt64, Sendable {
    /// Effects simulated from N(θ̂, V̂) (`SpatialAnalysis`, `estimate sdm --draws`).
    case impactSimulation = 4
    /// The synthetic SDM panel of `SyntheticSDMPanel` (benchmarks, large-N tests; its cell number is N).
    case sdmBenchmark = 900
    /// Wild cluster bootstrap multipliers ("wcbb").
    case wildBootstrap = 0x7763_6262
    /// Random greedy matching order ("matc").
    case matchingOrder = 0x6d61_7463
    /// The synthetic panel of `TreatmentBenchmark` ("benc").
    case treatmentBenchmark = 0x6265_6e63
    /// Cluster bootstrap draws of the mediation regressions ("medb").
    case mediationBootstrap = 0x6d65_6462
    /// Quasi-Bayesian draws of the causal-mediation estimates ("meds").
    case mediationSimulation = 0x6d65_6473
}

extension StreamID {
    /// The stream of `purpose` under `seed` (cell and replication 0 unless given).
    public init(seed: UInt64, cell: Int = 0, purpose: EstimatorStreamPurpose) {
        self.init(seed: seed, cell: cell, replication: 0, purpose: purpose.rawValue)
    }
}
