import Foundation

/// Measures of ratio estimands' confidence sets and of tests.
extension PerformanceMeasures {
    /// Fieller coverage and the shares of set types, curve shapes and estimates inside
    /// the data support, over the replications that carry them. A whole-line set
    /// covers every truth and is counted (dropping it would bias coverage down).
    mutating func setSets(_ used: [EstimandResult], comparable: Bool) {
        let sets = used.compactMap { r in r.confidenceSet.map { (set: $0, truth: r.truth) } }
        if !sets.isEmpty {
            let n = Double(sets.count)
            let share = { (k: ConfidenceSet.Kind) in Double(sets.filter { $0.set.type == k }.count) / n }
            (shareBounded, shareDisjoint, shareWholeLine) = (share(.bounded), share(.disjoint), share(.wholeLine))
            if comparable {
                let p = Proportion(sets.map { $0.set.contains($0.truth) })
                (fiellerCoverage, mcseFiellerCoverage, fiellerCoverageLower, fiellerCoverageUpper) = (p.value, p.mcse, p.wilson.lower, p.wilson.upper)
            }
        }
        let shapes = used.compactMap(\.rightShape)
        if !shapes.isEmpty { shareRightShape = Proportion(shapes).value }
        let inside = used.compactMap(\.insideSupport)
        if !inside.isEmpty { shareInsideSupport = Proportion(inside).value }
    }

    /// A test's rejection rate split by whether its null is true (truth 0: size) or
    /// false (truth 1: power), and the mean noncentrality of the truth.
    mutating func setTestMeasures(_ used: [EstimandResult], alpha: Double) {
        let tested = used.filter { $0.pValue.isFinite }
        let nullTrue = tested.filter { $0.truth == 0 }, nullFalse = tested.filter { $0.truth == 1 }
        nNullTrue = Double(nullTrue.count)
        nNullFalse = Double(nullFalse.count)
        if !nullTrue.isEmpty {
            let p = Proportion(nullTrue.map { $0.pValue < alpha })
            (rejectionNullTrue, mcseRejectionNullTrue) = (p.value, p.mcse)
        }
        // By distance from the least-favourable null (noncentrality 0 = turning point at an end).
        let boundary = nullTrue.filter { $0.noncentrality.isFinite && $0.noncentrality >= -1 }
        let interior = nullTrue.filter { $0.noncentrality.isFinite && $0.noncentrality < -1 }
        if !nullTrue.isEmpty {
            (nNullBoundary, nNullInterior) = (Double(boundary.count), Double(interior.count))
        }
        if !boundary.isEmpty {
            let p = Proportion(boundary.map { $0.pValue < alpha })
            (rejectionNullBoundary, mcseRejectionNullBoundary) = (p.value, p.mcse)
        }
        if !interior.isEmpty {
            let p = Proportion(interior.map { $0.pValue < alpha })
            (rejectionNullInterior, mcseRejectionNullInterior) = (p.value, p.mcse)
        }
        if !nullFalse.isEmpty {
            let p = Proportion(nullFalse.map { $0.pValue < alpha })
            (rejectionNullFalse, mcseRejectionNullFalse) = (p.value, p.mcse)
        }
        let nc = used.map(\.noncentrality).filter(\.isFinite)
        if !nc.isEmpty {
            noncentrality = Self.mean(nc)
            mcseNoncentrality = (Self.variance(nc) / Double(nc.count)).squareRoot()
        }
    }
}
