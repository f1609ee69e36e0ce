import Foundation
import Numerics

/// How treated units are matched to controls: a value, separate from the data.
///
/// `MatchingSpec()` reproduces R MatchIt's defaults exactly (`matchit(treat ~ x,
/// method = "nearest")`): distance = fitted probability from a logit, greedy
/// 1:1 nearest neighbour without replacement, treated units taken largest
/// score first, no caliper, no discarding. `MatchingSpec.applied` is the
/// setting the applied PSM-DID papers cite: the logit of the score with a
/// caliper of 0.2 standard deviations (Austin 2011, Stat. Med. 30:1292).
///
/// "Exactly" means the algorithm of MatchIt ≥ 4.5.4 (ordering, left/right search, ties,
/// k rounds without replacement, weights). Debian's r-cran-matchit 4.5.1 compares distance
/// differences after truncating them to integers (a platform-dependent defect fixed in 4.5.4);
/// the tests reproduce its lalonde results exactly with that defect emulated and document
/// the few pairs where the correct matcher differs.
public struct MatchingSpec: Sendable, Equatable {
    public enum Distance: String, Sendable, CaseIterable {
        /// The fitted probability (MatchIt's `distance = "glm"`).
        case probability
        /// The linear predictor (logit of the score for a logit link; MatchIt's `link = "linear.logit"`).
        case logit
        /// Mahalanobis distance on the covariates, with the pooled within-group covariance.
        case mahalanobis
    }

    /// The order in which treated units choose their controls (greedy matching).
    public enum Order: Sendable, Equatable {
        case largest, smallest, data
        /// A seeded random permutation (a `RandomStream` with this stream id).
        case random(StreamID)
    }

    public enum Caliper: Sendable, Equatable {
        case none
        /// Multiples of the standard deviation of the distance over the non-discarded units (MatchIt's `std.caliper = TRUE`).
        case standardDeviations(Double)
        /// Raw units of the distance.
        case raw(Double)
    }

    public enum Method: Sendable, Equatable {
        /// Greedy k-nearest-neighbour matching.
        case nearest
        /// Every control within the caliper of a treated unit (with replacement; the caliper is required).
        case radius
        /// Epanechnikov kernel weights K(u) = ¾(1 − u²) on u = Δdistance / bandwidth (psmatch2's default bandwidth is 0.06).
        case kernel(bandwidth: Double)
    }

    /// Common-support trimming on the propensity score (MatchIt's `discard`).
    public enum Support: String, Sendable, CaseIterable {
        case none
        /// Drop treated and control units outside the overlap of the two score ranges.
        case both
        /// Drop treated units outside the controls' score range.
        case treated
        /// Drop control units outside the treated units' score range.
        case control
    }

    public var link: BinaryLink = .logit
    public var distance: Distance = .probability
    public var method: Method = .nearest
    public var ratio: Int = 1
    public var replace: Bool = false
    /// nil = MatchIt's default: largest first for score distances, data order for Mahalanobis.
    public var order: Order? = nil
    public var caliper: Caliper = .none
    public var support: Support = .none
    /// Test hook reproducing MatchIt ≤ 4.5.3 as built by Debian (r-cran-matchit 4.5.1): its
    /// C++ matcher called the integer `abs` on distance differences, so caliper checks and the
    /// left/right nearest choice saw |Δ| truncated to an integer (MatchIt NEWS 4.5.4: "Fixed a
    /// bug where calipers would not work properly on some systems", #163). Used only to show
    /// that everything else agrees exactly with that reference; never set it for estimation.
    var emulateIntegerAbsBug = false

    public init(link: BinaryLink = .logit, distance: Distance = .probability, method: Method = .nearest,
                ratio: Int = 1, replace: Bool = false, order: Order? = nil, caliper: Caliper = .none,
                support: Support = .none) {
        self.link = link
        self.distance = distance
        self.method = method
        self.ratio = ratio
        self.replace = replace
        self.order = order
        self.caliper = caliper
        self.support = support
    }

    /// MatchIt's `matchit(treat ~ x)` defaults.
    public static let matchItDefault = MatchingSpec()

    /// 1:1 nearest neighbour on the logit of the score, caliper 0.2 SD, without replacement.
    public static let applied = MatchingSpec(distance: .logit, caliper: .standardDeviations(0.2))

    func validate() throws {
        guard ratio >= 1 else { throw TreatmentError("matching: ratio must be at least 1 (got \(ratio))") }
        switch caliper {
        case .none: break
        case .standardDeviations(let c), .raw(let c):
            guard c > 0, c.isFinite else { throw TreatmentError("matching: the caliper must be positive (got \(c))") }
        }
        if case .radius = method, caliper == .none {
            throw TreatmentError("matching: radius matching needs a caliper (the radius), e.g. 0.1")
        }
        if case .kernel(let h) = method, !(h > 0 && h.isFinite) {
            throw TreatmentError("matching: the kernel bandwidth must be positive (got \(h))")
        }
        if distance == .mahalanobis, case .standardDeviations = caliper {
            throw TreatmentError("matching: a caliper in standard deviations needs a score distance; give Mahalanobis calipers in raw units")
        }
        // MatchIt 4.5 (`matchit2nearest`) allows only "data" and "random" when the distance is
        // Mahalanobis: there is no score to sort the treated units by (the propensity score a
        // common-support rule fits is for trimming only).
        if distance == .mahalanobis, let order, order == .largest || order == .smallest {
            throw TreatmentError("matching: order \(order == .largest ? "largest" : "smallest") sorts the treated units by their score, and a Mahalanobis distance has none; use the data order (the default for Mahalanobis) or a random order, or match on the probability or logit distance")
        }
    }
}
