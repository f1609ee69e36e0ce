import Foundation
import Numerics

/// The outcome of matching: who was matched to whom and the matching weights.
public struct MatchingResult: Sendable {
    /// The fitted propensity model (nil for Mahalanobis matching without trimming).
    public let propensity: PropensityModel?
    /// The distance used for matching, one per unit (empty for Mahalanobis).
    public let distance: [Double]
    /// Units removed by common-support trimming.
    public let discarded: [Bool]
    /// For each treated unit (in data order): the control indices it was matched to, nearest first.
    public let matches: [Int: [Int]]
    /// MatchIt's matching weights: treated 1; a control gets Σ 1/kᵢ over the treated units i it serves
    /// (kᵢ = number of controls of i, or its kernel share), then each group's positive weights are
    /// rescaled to sum to that group's matched count.
    public let weights: [Double]
    /// The caliper actually applied, in distance units (nil if none).
    public let caliperWidth: Double?
    public let counts: MatchCounts

    public var matched: [Bool] { weights.map { $0 > 0 } }
}

/// Sample sizes as in MatchIt's summary: all, matched, unmatched, discarded (control, treated).
public struct MatchCounts: Sendable, Equatable {
    public let allControl, allTreated: Int
    public let matchedControl, matchedTreated: Int
    public let unmatchedControl, unmatchedTreated: Int
    public let discardedControl, discardedTreated: Int
}

public enum Matching {
    /// Fits the propensity score (unless the distance is Mahalanobis and no trimming is asked for)
    /// and matches. `covariates` is n × p without an intercept.
    public static func match(treated: [Bool], covariates: Matrix, names: [String],
                             spec: MatchingSpec = .matchItDefault) throws -> MatchingResult {
        try spec.validate()
        try requireBothGroups(treated)
        let n = treated.count
        var model: PropensityModel? = nil
        if spec.distance != .mahalanobis || spec.support != .none {
            model = try PropensityScore.fit(treated: treated, covariates: covariates, names: names, link: spec.link)
        }
        var distance: [Double] = []
        if let model {
            distance = spec.distance == .logit ? model.linearPredictor : model.scores
        }
        let discarded = model.map { trim(treated: treated, score: $0.scores, support: spec.support) }
            ?? [Bool](repeating: false, count: n)
        return try match(treated: treated, distance: distance, discarded: discarded, covariates: covariates,
                         names: names, spec: spec, propensity: model)
    }

    /// Matches on a distance the caller supplies (MatchIt's `distance = <numeric vector>`):
    /// score-based methods only; common support, if asked for, is taken on this distance.
    public static func match(treated: [Bool], distance: [Double], spec: MatchingSpec) throws -> MatchingResult {
        try spec.validate()
        guard distance.count == treated.count else {
            throw TreatmentError("matching: \(distance.count) distances for \(treated.count) units")
        }
        guard spec.distance != .mahalanobis else { throw TreatmentError("matching: a supplied distance cannot be Mahalanobis") }
        // Common-support trimming below takes each group's score range.
        try requireBothGroups(treated)
        return try match(treated: treated, distance: distance,
                         discarded: trim(treated: treated, score: distance, support: spec.support),
                         covariates: Matrix(rows: treated.count, cols: 0), names: [], spec: spec, propensity: nil)
    }

    static func match(treated: [Bool], distance: [Double], discarded: [Bool], covariates: Matrix, names: [String],
                      spec: MatchingSpec, propensity model: PropensityModel?) throws -> MatchingResult {
        try requireBothGroups(treated)
        let n = treated.count
        var caliperWidth: Double? = nil
        switch spec.caliper {
        case .none: break
        case .raw(let c): caliperWidth = c
        case .standardDeviations(let c):
            let kept = (0..<n).filter { !discarded[$0] }.map { distance[$0] }
            caliperWidth = c * Statistics.standardDeviation(kept)
        }
        let order = treatedOrder(treated: treated, distance: distance, order: spec.order ?? (spec.distance == .mahalanobis ? .data : .largest))
        var matches: [Int: [Int]]
        var shares: [Int: [Double]] = [:]
        switch spec.method {
        case .nearest:
            if spec.distance == .mahalanobis {
                let metric = try MahalanobisMetric(covariates: covariates, treated: treated, names: names)
                matches = greedy(treated: treated, discarded: discarded, order: order, ratio: spec.ratio,
                                 replace: spec.replace, caliper: caliperWidth, metric: metric)
            } else {
                matches = greedyOnScore(treated: treated, discarded: discarded, distance: distance, order: order,
                                        ratio: spec.ratio, replace: spec.replace, caliper: caliperWidth,
                                        integerAbs: spec.emulateIntegerAbsBug)
            }
        case .radius:
            guard spec.distance != .mahalanobis else { throw TreatmentError("matching: radius matching is on the score; use the logit or probability distance") }
            matches = radius(treated: treated, discarded: discarded, distance: distance, radius: caliperWidth!)
        case .kernel(let h):
            guard spec.distance != .mahalanobis else { throw TreatmentError("matching: kernel matching is on the score; use the logit or probability distance") }
            (matches, shares) = kernel(treated: treated, discarded: discarded, distance: distance, bandwidth: h, caliper: caliperWidth)
        }
        let weights = matchingWeights(n: n, treated: treated, matches: matches, shares: shares)
        guard weights.contains(where: { $0 > 0 }) else {
            throw TreatmentError("matching: no treated unit found a control (\(caliperWidth.map { "caliper \($0)" } ?? "no caliper")); widen the caliper or relax the common-support trimming")
        }
        // [control, treated] tallies in one pass.
        var all = [0, 0], matched = [0, 0], unmatched = [0, 0], dropped = [0, 0]
        for i in 0..<n {
            let g = treated[i] ? 1 : 0
            all[g] += 1
            if weights[i] > 0 { matched[g] += 1 }
            if weights[i] == 0 && !discarded[i] { unmatched[g] += 1 }
            if discarded[i] { dropped[g] += 1 }
        }
        let counts = MatchCounts(allControl: all[0], allTreated: all[1], matchedControl: matched[0], matchedTreated: matched[1],
                                 unmatchedControl: unmatched[0], unmatchedTreated: unmatched[1],
                                 discardedControl: dropped[0], discardedTreated: dropped[1])
        return MatchingResult(propensity: model, distance: distance, discarded: discarded, matches: matches,
                              weights: weights, caliperWidth: caliperWidth, counts: counts)
    }

    static func requireBothGroups(_ treated: [Bool]) throws {
        guard treated.contains(true), treated.contains(false) else {
            throw TreatmentError("matching: need both treated and control units (got \(treated.filter { $0 }.count) treated of \(treated.count))")
        }
    }

    /// Common-support flags (MatchIt `discard`): ranges of the score in each group.
    static func trim(treated: [Bool], score: [Double], support: MatchingSpec.Support) -> [Bool] {
        let t = zip(score, treated).filter { $0.1 }.map { $0.0 }
        let c = zip(score, treated).filter { !$0.1 }.map { $0.0 }
        let (lo1, hi1, lo0, hi0) = (t.min()!, t.max()!, c.min()!, c.max()!)
        return zip(score, treated).map { s, isT in
            switch support {
            case .none: return false
            case .both: return s < max(lo1, lo0) || s > min(hi1, hi0)
            case .treated: return isT && (s < lo0 || s > hi0)
            case .control: return !isT && (s < lo1 || s > hi1)
            }
        }
    }

    /// Treated indices in matching order. Ties keep data order (R's `order` is stable, also decreasing).
    static func treatedOrder(treated: [Bool], distance: [Double], order: MatchingSpec.Order) -> [Int] {
        var idx = (0..<treated.count).filter { treated[$0] }
        switch order {
        case .data: break
        case .largest:
            idx = idx.enumerated().sorted { a, b in
                distance[a.element] != distance[b.element] ? distance[a.element] > distance[b.element] : a.offset < b.offset
            }.map { $0.element }
        case .smallest:
            idx = idx.enumerated().sorted { a, b in
                distance[a.element] != distance[b.element] ? distance[a.element] < distance[b.element] : a.offset < b.offset
            }.map { $0.element }
        case .random(let id):
            RandomStream(id).shuffle(&idx)
        }
        return idx
    }

    /// MatchIt's matching weights (see `MatchingResult.weights`).
    static func matchingWeights(n: Int, treated: [Bool], matches: [Int: [Int]], shares: [Int: [Double]]) -> [Double] {
        var w = [Double](repeating: 0, count: n)
        // Treated units in index order, not the dictionary's (per-process) order: a control serving
        // several treated units (with replacement) sums their shares in the same order every run.
        for t in matches.keys.sorted() {
            let cs = matches[t]!
            guard !cs.isEmpty else { continue }
            w[t] += 1
            if let s = shares[t] {
                for (c, share) in zip(cs, s) { w[c] += share }
            } else {
                for c in cs { w[c] += 1 / Double(cs.count) }
            }
        }
        for group in [true, false] {
            // Σ over the group's positive weights in index order, then each rescaled.
            var total = 0.0, count = 0
            for i in 0..<n where treated[i] == group && w[i] > 0 { total += w[i]; count += 1 }
            for i in 0..<n where treated[i] == group && w[i] > 0 { w[i] *= Double(count) / total }
        }
        return w
    }
}
