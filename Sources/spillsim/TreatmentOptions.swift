import ArgumentParser
import Estimators
import Foundation
import Numerics

extension MatchingSpec.Distance: ExpressibleByArgument {}
extension BinaryLink: ExpressibleByArgument {}
extension MatchingSpec.Support: ExpressibleByArgument {}
extension FixedEffects: ExpressibleByArgument {
    public init?(argument: String) { self.init(userSpelling: argument) }
    public static var allValueStrings: [String] { ["none", "individual", "time", "twoways"] }
}
extension DiDMethod: ExpressibleByArgument {}
extension CSDiDSpec.Control: ExpressibleByArgument {}
extension CSDiDSpec.BasePeriod: ExpressibleByArgument {}
extension PSMDiDSpec.MatchingMode: ExpressibleByArgument {}
extension WildWeights: ExpressibleByArgument {}

/// The wild cluster bootstrap options of `estimate twfe` (first regressor) and `estimate psm-did` (the ATT).
struct WildBootstrapOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Wild cluster bootstrap replications (0 = off): twfe tests the first regressor (needs --cluster), psm-did the ATT.")
    var wildBootstrap: Int = 0
    // Optional so that `--bootstrap-weights webb` without --wild-bootstrap is refused too.
    @Option(help: "Bootstrap multipliers: webb (default) or rademacher; with --wild-bootstrap.")
    var bootstrapWeights: WildWeights?
    @Option(help: "Who draws a multiplier: cluster (one per cluster, default) or unit (one per unit within the clusters — the subcluster wild bootstrap of MacKinnon & Webb 2018 for few treated clusters; twfe with --cluster coarser than --id).")
    var bootstrapCluster: BootstrapClusterLevel?

    func validate() throws {
        if wildBootstrap < 0 { throw ValidationError("--wild-bootstrap must be at least 0 (0 = off; got \(wildBootstrap))") }
        if bootstrapWeights != nil && wildBootstrap == 0 {
            throw ValidationError("--bootstrap-weights chooses the wild bootstrap's multipliers: add --wild-bootstrap B or drop --bootstrap-weights")
        }
        if bootstrapCluster != nil && wildBootstrap == 0 {
            throw ValidationError("--bootstrap-cluster chooses the wild bootstrap's multipliers: add --wild-bootstrap B or drop --bootstrap-cluster")
        }
    }

    /// The multipliers (Webb's six-point by default).
    var multipliers: WildWeights { bootstrapWeights ?? .webb }

    /// True for the subcluster bootstrap (`--bootstrap-cluster unit`).
    var byUnit: Bool { bootstrapCluster == .unit }
}

/// `--bootstrap-cluster`: the level of the wild bootstrap's multipliers (scenarios: `bootstrap_cluster`).
enum BootstrapClusterLevel: String, ExpressibleByArgument, CaseIterable {
    case cluster, unit
}

enum MatchOrderOption: String, ExpressibleByArgument, CaseIterable { case largest, smallest, random, data }
enum MatchMethodOption: String, ExpressibleByArgument, CaseIterable { case nearest, radius, kernel }
enum CaliperScale: String, ExpressibleByArgument, CaseIterable { case sd, raw }

/// Matching options shared by `estimate psm` and `estimate psm-did`. Defaults are MatchIt's
/// (probability distance, 1:1, no replacement, largest first, no caliper) unless a command
/// says otherwise. Every option is optional rather than defaulted, so that one given where it
/// has no effect (`given`) is refused even when it spells the default.
struct MatchingOptions: ParsableArguments {
    @Option(help: "Distance: probability (MatchIt default), logit (of the score) or mahalanobis.")
    var distance: MatchingSpec.Distance?
    @Option(help: "Propensity link: logit (default) or probit.")
    var link: BinaryLink?
    @Option(help: "Matching method: nearest (default), radius (caliper = radius) or kernel (Epanechnikov).")
    var method: MatchMethodOption?
    @Option(parsing: .unconditional, help: "Controls per treated unit (nearest neighbour; default 1).")
    var ratio: Int?
    @Flag(help: "Match with replacement (nearest neighbour).")
    var replace = false
    @Option(parsing: .unconditional, help: "Caliper width, or 'none' (default).")
    var caliper: String?
    @Option(help: "Caliper units: sd (standard deviations of the distance, MatchIt's default) or raw; with --caliper.")
    var caliperScale: CaliperScale?
    @Option(help: "Greedy order of nearest-neighbour matching: largest, smallest, random or data (default: largest; data for mahalanobis).")
    var order: MatchOrderOption? = nil
    @Option(parsing: .unconditional, help: "Seed for --order random (default 1).")
    var seed: UInt64?
    @Option(parsing: .unconditional, help: "Kernel bandwidth on the distance scale, with --method kernel (default psmatch2's 0.06).")
    var bandwidth: Double?
    @Option(help: "Common-support trimming on the score: none (default), both, treated or control.")
    var support: MatchingSpec.Support?

    /// The matching options given on the command line, by flag.
    var given: [String] {
        [("--distance", distance != nil), ("--link", link != nil), ("--method", method != nil), ("--ratio", ratio != nil),
         ("--replace", replace), ("--caliper", caliper != nil), ("--caliper-scale", caliperScale != nil), ("--order", order != nil),
         ("--seed", seed != nil), ("--bandwidth", bandwidth != nil), ("--support", support != nil)].filter(\.1).map(\.0)
    }

    /// A caliper other than 'none' was given.
    var hasCaliper: Bool { caliper.map { $0.lowercased() != "none" } ?? false }

    func validate() throws {
        // Counts and widths reach these checks even when negative (`.unconditional` parsing).
        if let ratio, ratio < 1 { throw ValidationError("--ratio must be at least 1 (got \(ratio))") }
        if let bandwidth, !(bandwidth.isFinite && bandwidth > 0) { throw ValidationError("--bandwidth must be a positive number (got \(bandwidth))") }
        // Options only one setting reads are refused elsewhere rather than accepted and ignored.
        if bandwidth != nil && method != .kernel { throw ValidationError("--bandwidth is the kernel's: add --method kernel or drop --bandwidth") }
        if seed != nil && order != .random { throw ValidationError("--seed draws the random matching order: add --order random or drop --seed") }
        if caliperScale != nil && !hasCaliper {
            throw ValidationError("--caliper-scale sets the caliper's units: add --caliper WIDTH or drop --caliper-scale")
        }
        // Radius and kernel matching use every control within reach of a treated unit (each
        // control may serve several), so the greedy nearest-neighbour choices have no effect.
        if let method, method != .nearest {
            let greedy = [("--ratio", ratio != nil), ("--replace", replace), ("--order", order != nil)].filter(\.1).map(\.0)
            if let first = greedy.first {
                throw ValidationError("\(first) is an option of nearest-neighbour matching; --method \(method.rawValue) uses every control within \(method == .radius ? "the radius" : "the bandwidth") (with replacement): drop \(greedy.joined(separator: " and ")) or use --method nearest")
            }
        }
        // The Mahalanobis distance is on the covariates; the score (and its link) is fitted only to trim the support.
        if distance == .mahalanobis && link != nil && support.map({ $0 == MatchingSpec.Support.none }) ?? true {
            throw ValidationError("--link sets the propensity score's link, and with --distance mahalanobis the score is fitted only for --support trimming: add --support both|treated|control or drop --link")
        }
        // MatchingSpec refuses it too (scenarios reach it without these flags); here it is a usage error naming the flags.
        if distance == .mahalanobis, let order, order == .largest || order == .smallest {
            throw ValidationError("--order \(order.rawValue) sorts the treated units by their propensity score, and --distance mahalanobis matches on the covariates, with no score to sort by: use --order data (the default with mahalanobis) or --order random, or --distance probability|logit")
        }
        _ = try spec()  // --caliper's spelling
    }

    func spec() throws -> MatchingSpec {
        let cal: MatchingSpec.Caliper
        if let caliper, caliper.lowercased() != "none" {
            guard let c = Double(caliper), c > 0 else { throw ValidationError("--caliper must be a positive number or 'none' (got '\(caliper)')") }
            cal = (caliperScale ?? .sd) == .sd ? .standardDeviations(c) : .raw(c)
        } else { cal = .none }
        let m: MatchingSpec.Method
        switch method ?? .nearest {
        case .nearest: m = .nearest
        case .radius: m = .radius
        case .kernel: m = .kernel(bandwidth: bandwidth ?? 0.06)
        }
        let o: MatchingSpec.Order?
        switch order {
        case nil: o = nil
        case .largest?: o = .largest
        case .smallest?: o = .smallest
        case .data?: o = .data
        case .random?: o = .random(StreamID(seed: seed ?? 1, purpose: .matchingOrder))
        }
        return MatchingSpec(link: link ?? .logit, distance: distance ?? .probability, method: m, ratio: ratio ?? 1, replace: replace, order: o,
                            caliper: cal, support: support ?? .none)
    }
}

/// `--leads`/`--lags` checked against the data (`EventStudy.checkWindow`), restated with the flags:
/// a bound beyond the data bins nothing and would be ignored.
func checkEventWindow(_ data: TreatmentPanel, leads: Int?, lags: Int?, observed: [Bool]? = nil) throws {
    do { try EventStudy.checkWindow(panel: data, leads: leads, lags: lags, observed: observed) } catch let e as EventWindowError {
        let flag = "--\(e.bound.rawValue)", side = e.bound == .leads ? "before" : "after"
        throw CommandLineError(description: "\(flag) \(e.requested) is beyond the data: no treated unit is observed more than \(e.supported) period\(e.supported == 1 ? "" : "s") \(side) its adoption, so \(flag) \(e.requested) would bin nothing; give \(flag) \(e.supported) or less (\(e.supported) keeps every event time \(side) adoption apart), or drop --leads and --lags to give every event time its own coefficient")
    }
}

/// `--cluster-correction` of `estimate twfe` and `estimate psm-did`: cr1 or cr2 (CR3 is implemented
/// for the SDM family only). Parsed by a transform rather than `ClusterCorrection`'s
/// `ExpressibleByArgument`, whose help would list cr3 as a value.
func treatmentClusterCorrection(command: String) -> (String) throws -> ClusterCorrection {
    { argument in
        guard let c = ClusterCorrection(spelling: argument) else { throw ValidationError("use cr1 or cr2") }
        if c == .cr3 { throw ValidationError("cr3 is not implemented for \(command) (only for estimate sdm --variance cluster); use cr1 or cr2") }
        return c
    }
}
