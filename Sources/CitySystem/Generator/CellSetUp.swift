import Foundation
import Numerics

/// The part of a design cell's set-up that is a function of `CellSetUp.Inputs` alone: the map and
/// sizes, every fixed W (with its spectrum), the true W's outcome model, truth cache and error
/// filter, the city-effect and shock fields and the diffusion kernel. Cells whose inputs are equal
/// bit for bit — a design whose cells differ only in treatment or estimator settings, as the
/// baseline's two cells do — share one set-up (`shared`), so the second cell rebuilds none of it.
///
/// Sharing is decided by content, never by assumption: the builder reads nothing but its `Inputs`
/// (the compiler holds it to that), and the key is every stored value of the inputs, each Double by
/// its bits (`ContentKey`), so −0 and 0, or two NaN payloads, are different inputs. A set-up is held
/// weakly, alive only while some cell holds it, so the cache keeps no memory of its own.
///
/// Each stage keeps its outcome as a `Result`, and the cell takes them in the order the set-up
/// always took them (`CitySystemCell.init`), interleaved with its own stages (entry, merges, the
/// outcome operators), so the first error thrown is the one building them one by one would throw.
final class CellSetUp: @unchecked Sendable {
    /// What the set-up reads of the cell's scenario, and nothing else.
    struct Inputs {
        let seed: UInt64
        let source: String
        let geography: GeographySpec
        let sizes: SizeSpec
        let weights: WeightSpec
        let estimatorWeights: [WeightSpec]
        let logDeterminant: LogDeterminantMethod
        let outcome: OutcomeSpec
        let treatmentEnabled: Bool
        let treatmentRegions: [Int]
        let sectorsMode: SectorSpec.Mode
        let effectRangeKm: Double
        let diffusionDecayKm: Double
        let kernelTolerance: Double
        /// The estimator W whose spectra are computed now (sorted); the others' are deferred to their first
        /// use (`CitySystemCell.resolveWeights`, `weightReports`). Nil: all now.
        let weightsInUse: [String]?

        init(_ spec: CitySystemSpec, seed: UInt64, source: String, weightsInUse: Set<String>? = nil) {
            self.seed = seed
            self.source = source
            geography = spec.geography
            sizes = spec.sizes
            weights = spec.weights
            estimatorWeights = spec.estimatorWeights
            logDeterminant = spec.logDeterminant
            outcome = spec.outcome
            treatmentEnabled = spec.treatment.enabled
            treatmentRegions = spec.treatment.regions
            sectorsMode = spec.sectors.mode
            effectRangeKm = spec.sectors.effectRangeKm
            diffusionDecayKm = spec.digital.decayKm
            kernelTolerance = spec.digital.kernelTolerance
            self.weightsInUse = weightsInUse?.sorted()
        }
    }

    let geography: Geography
    let lnSize: [Double]
    /// W held sparse (large N).
    let large: Bool
    /// The true W's spec when it does not depend on the data (then `builtWeights[0]` is it), else nil.
    let trueSpec: WeightSpec?
    /// The estimators' fixed W (not the true one, not depending on the data), in scenario order.
    let fixedSpecs: [WeightSpec]
    /// The true W (when fixed), then each of `fixedSpecs`, with its report (which computes a deferred spectrum).
    let builtWeights: [Result<(weights: SpatialWeights, report: @Sendable () throws -> WeightReport), Error>]
    /// The true W's outcome model, truth cache and error filter (nil when the true W depends on the data).
    let trueStage: Result<(model: OutcomeModel, truthCache: ObservedEffectCache, errorFilter: SpatialFilter?), Error>?
    let effectField: Result<CityEffectField?, Error>
    let shockField: Result<CityEffectField?, Error>
    let diffusion: Result<(kernel: DiffusionKernel, bound: Double, summary: String?), Error>
    /// The dense diffusion kernel V packed in bands (`BandedProduct`, the digital recursion's products), built
    /// up to the N at which the outcome's operators are (8N² bytes, ≈ 2.9 MB at 600 cities; larger dense
    /// worlds multiply by V itself); nil for a truncated kernel.
    let bands: BandedProduct?
    /// [S | SW] of the true W's outcome model, built for the first cell that solves its worlds together.
    private let operatorsLock = NSLock()
    private var operatorsBuilt: Result<OutcomeOperators, Error>?

    /// [S | SW] of `model` (the true W's outcome model), built once.
    func operators(_ model: OutcomeModel) throws -> OutcomeOperators {
        operatorsLock.lock(); defer { operatorsLock.unlock() }
        if let operatorsBuilt { return try operatorsBuilt.get() }
        let built = Result { try OutcomeOperators(model: model) }
        operatorsBuilt = built
        return try built.get()
    }

    /// Builds the set-up from `inputs`; throws only what the map and the treated regions throw (the
    /// first stages, which every later one needs).
    init(_ inputs: Inputs) throws {
        let source = inputs.source
        let geo = CitySystemCell.geographyStream(seed: inputs.seed)
        let located = try CitySystemCell.locate(inputs.geography, stream: geo, source: source)
        // W held sparse (large N): no N × N array anywhere — neighbours by grid, a truncated
        // diffusion kernel and a process-convolution city-effect field (docs/large-n.md).
        let large = WeightBuilder.holdsSparse(inputs.logDeterminant, count: located.count)
        self.large = large
        // The `neg` mode's trade kernels are dense N × N whatever the W: keep its distances cached.
        let geography = large && inputs.sectorsMode != .neg ? located : located.withDenseDistances()
        self.geography = geography
        if inputs.treatmentEnabled {
            for (k, r) in inputs.treatmentRegions.enumerated() where r < 0 || r >= geography.regionCount {
                throw ScenarioError(source: source, path: "city_system.treatment.regions.\(k)",
                                    reason: "region \(r) does not exist (regions are 0…\(geography.regionCount - 1))",
                                    fix: "pick regions from the region_grid cells, numbered row by row from 0")
            }
            // No city in any treated region treats nobody: every treatment key would be ignored.
            // (Some regions empty, others not, is a warning of `validate`.)
            let treated = Set(inputs.treatmentRegions)
            if !geography.region.contains(where: treated.contains) {
                let occupied = Set(geography.region).sorted().map(String.init).joined(separator: ", ")
                throw ScenarioError(source: source, path: "city_system.treatment.regions",
                                    reason: "no city lies in the treated regions \(inputs.treatmentRegions), so the treatment treats nobody and every city_system.treatment key would be ignored",
                                    fix: "treat regions that hold cities (occupied: \(occupied)), or disable the treatment (city_system.treatment: {enabled: false}, with no other treatment key)")
            }
        }
        let s = inputs.sizes, g = geography
        let lnSize = (0..<g.count).map { i in
            s.meanLog + (g.isCentre[i] ? s.centrePremium : 0) + s.distanceGradient * g.distanceToCentre[i] / 100
                + geo.normal(mean: 0, sd: s.sd)
        }
        self.lnSize = lnSize
        // The fixed W — the true one and the estimators' — with their spectra (the O(N³) part of a cell's
        // set-up) are built concurrently when held dense, then taken in the order below, so the values are
        // the same and the first error thrown is the one building them one by one would throw. (Held sparse,
        // at large N, they are built one at a time: memory, not time, bounds that path.)
        let trueSpec = WeightBuilder.dependsOnData(inputs.weights) ? nil : inputs.weights
        let fixedSpecs = inputs.estimatorWeights.filter { !$0.isTrue && !WeightBuilder.dependsOnData($0) }
        self.trueSpec = trueSpec
        self.fixedSpecs = fixedSpecs
        let weightSpecs = (trueSpec.map { [$0] } ?? []) + fixedSpecs
        // An estimator W that no estimator of the cell uses has its spectrum (most of its cost) left to its
        // first use; every check that can refuse it still runs now. The true W is always complete.
        let inUse = inputs.weightsInUse.map(Set.init)
        let buildWeights = { (k: Int) in
            try WeightBuilder.build(weightSpecs[k], geography: g, lnSize: lnSize, logDeterminant: inputs.logDeterminant, source: source,
                                    deferringSpectrum: k >= weightSpecs.count - fixedSpecs.count && inUse.map { !$0.contains(weightSpecs[k].name) } ?? false)
        }
        let builtWeights = large ? weightSpecs.indices.map { k in Result { try buildWeights(k) } }
                                 : ConcurrentResults.map(weightSpecs.count, buildWeights)
        self.builtWeights = builtWeights
        if trueSpec == nil {
            trueStage = nil
        } else {
            trueStage = Result {
                let w = try builtWeights[0].get().weights
                let om = try CitySystemCell.model(inputs.outcome, weights: w, source: source)
                return (om, try ObservedEffectCache(filter: om.filter),
                        try CitySystemCell.errorFilter(inputs.outcome.error, weights: w, source: source))
            }
        }
        if inputs.sectorsMode == .neg {
            effectField = .success(nil)
        } else if large {
            effectField = Result { try CityEffectField.convolution(geography, rangeKm: inputs.effectRangeKm) }
        } else {
            effectField = Result { try Sectors.effectFactor(geography, rangeKm: inputs.effectRangeKm, source: source) }
        }
        let shocks = inputs.outcome.error.shocks
        shockField = Result { shocks.share > 0 ? try CityEffectField.convolution(geography, rangeKm: shocks.rangeKm) : nil }
        if large {
            let decayKm = inputs.diffusionDecayKm, tolerance = inputs.kernelTolerance, field = effectField
            diffusion = Result {
                let (kernel, bound, median) = try DiffusionKernel.truncated(geography, decayKm: decayKm, tolerance: tolerance)
                var text = String(format: "large-N generator (W held sparse): diffusion kernel truncated at %.0f km (weights < %.0e), %d nonzeros, row ℓ1 error ≤ %.2e (max), %.2e (median)",
                                  DiffusionKernel.cutoffKm(decayKm: decayKm, tolerance: tolerance), tolerance,
                                  kernel.nonzeroCount, bound, median)
                if case .success(.convolution(let k)?) = field {
                    text += "; city effects by process convolution (correlation exp(−d²/range²)), \(k.cols) knots, \(k.nonzeroCount) nonzeros"
                }
                return (kernel, bound, text)
            }
        } else {
            diffusion = .success((.dense(Digital.diffusionMatrix(geography, decayKm: inputs.diffusionDecayKm)), 0, nil))
        }
        if case .success((.dense(let v), _, _)) = diffusion, v.rows <= OutcomeOperators.maximumUnits {
            bands = BandedProduct(v)
        } else {
            bands = nil
        }
    }

    // MARK: - Sharing

    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var entries: [String: Weak] = [:]
    }
    private struct Weak { weak var value: CellSetUp? }
    private static let store = Store()

    /// The set-up of `inputs`: the one another live cell built from the same inputs, bit for bit, or a
    /// new one. A geography read from a file is never shared (its content is the file's, not the inputs').
    static func shared(_ inputs: Inputs) throws -> CellSetUp {
        guard inputs.geography.source == .synthetic else { return try CellSetUp(inputs) }
        let key = ContentKey.of(inputs)
        if let hit = lookup(key) { return hit }
        // Built outside the lock: two threads building the same new set-up build it twice (identically)
        // rather than one waiting; the later one is kept for the next cell.
        let made = try CellSetUp(inputs)
        store.lock.lock(); defer { store.lock.unlock() }
        store.entries = store.entries.filter { $0.value.value != nil }
        store.entries[key] = Weak(value: made)
        return made
    }

    private static func lookup(_ key: String) -> CellSetUp? {
        store.lock.lock(); defer { store.lock.unlock() }
        return store.entries[key]?.value
    }
}

/// A text that two values share exactly when every stored value in them is the same bits: each
/// Double and Float by its bit pattern, integers, strings (length-prefixed) and Booleans as written,
/// enums by case and payload, structs and tuples field by field with their labels, under the type's
/// name. A value it cannot see into (a class, a function) makes the key unique, so it never shares.
enum ContentKey {
    static func of(_ value: Any) -> String {
        var out = ""
        append(value, to: &out)
        return out
    }

    private static func append(_ value: Any, to out: inout String) {
        switch value {
        case let x as Double: out += "d\(x.bitPattern);"
        case let x as Float: out += "f\(x.bitPattern);"
        case let x as Int: out += "i\(x);"
        case let x as Int32: out += "i32:\(x);"
        case let x as UInt64: out += "u\(x);"
        case let x as UInt32: out += "u32:\(x);"
        case let x as Bool: out += x ? "T;" : "F;"
        case let x as String: out += "s\(x.utf8.count):\(x);"
        default:
            let mirror = Mirror(reflecting: value)
            switch mirror.displayStyle {
            case .struct?, .tuple?, .collection?, .optional?:
                out += "<\(String(reflecting: type(of: value)))#\(mirror.children.count)"
                for child in mirror.children {
                    out += "[\(child.label ?? "")]"
                    append(child.value, to: &out)
                }
                out += ">"
            case .enum?:
                // The case name (payload-free cases have no children), then the payload.
                out += "<\(String(reflecting: type(of: value))).\(caseName(value, mirror))#\(mirror.children.count)"
                for child in mirror.children { append(child.value, to: &out) }
                out += ">"
            default:
                // Classes, dictionaries, sets, functions …: never equal to another key.
                out += "<unique \(UUID().uuidString)>"
            }
        }
    }

    private static func caseName(_ value: Any, _ mirror: Mirror) -> String {
        if let label = mirror.children.first?.label { return label }
        return String(describing: value)
    }
}
