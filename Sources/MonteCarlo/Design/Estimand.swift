import CitySystem
import Estimators
import Foundation

/// The estimand catalogue: an estimand name parsed once into what every part needs —
/// how it is scored (`role`), which figure it belongs in (`kind`) and how it is typeset.
/// The forms (docs/monte-carlo.md): the spatial ones of `SpatialEstimand` (`rho`, `lambda`,
/// `beta.X`, `tp.K.L`, `curve.K.L.j` …), W selection's `select.*`/`posterior.true`, the
/// treatment estimands, the known DGP's `beta0, beta1, …`, estimands added with
/// `EstimandCatalogue.register`, and the report's naming convention for other names
/// (`EstimandKind`). A run stores `role` and `kind` of each estimand in its result file.
public struct Estimand: Sendable, Hashable {
    public let name: String
    public let role: EstimandRole
    public let kind: EstimandKind
    /// The typeset name in neutral markup (Estimand+Typeset.swift; Reports' `Typeset` renders it
    /// per medium): a registered definition's own, else the built-in form's; nil for a name
    /// outside the catalogue's forms. Computed when asked (reports), not on every parse.
    public var typeset: String? { EstimandCatalogue.definition(name)?.typeset ?? Self.builtInTypeset(name) }

    /// Points of the curve grid over [p5, p95] of the curve regressor (`curve.K.L.j`,
    /// j = 0…40): one definition, the generator's (MODEL.md §3).
    public static let curveGridPoints = TrueEstimands.curvePoints

    public init(_ name: String) {
        self.name = name
        if let d = EstimandCatalogue.definition(name) {
            role = d.role; kind = d.kind
            return
        }
        if let s = SpatialEstimand.parse(name) {
            switch s {
            case .rho, .lambda, .tau, .eta, .beta, .theta, .effect, .averageEffect: role = .parameter; kind = .scalar
            case .turningPoint, .turningPointLongRun: role = .ratio; kind = .turningPoint
            case .shift: role = .ratio; kind = .shift
            case .uTest, .uTestLongRun: role = .test; kind = .uTest
            case .curve(let k, let label, let j): role = .parameter; kind = .curveGridPoint(effect: k, qualifier: label, index: j)
            case .curveLongRun(let k, let label, let j):
                role = .parameter
                kind = .curveGridPoint(effect: k, qualifier: label + EstimandKind.longRunQualifier, index: j)
            case .defined(let d): role = d.role; kind = d.kind
            }
            return
        }
        // Names outside the engine's forms (other programs' files, the report's curve convention).
        if name.hasPrefix("tp.") || name.hasPrefix("shift.") || name.hasPrefix("policy_shift.") { role = .ratio }
        else if name.hasPrefix("utest.") { role = .test }
        else if SelectionEstimand(rawValue: name) != nil || name.hasPrefix("select.") { role = .selection }
        else { role = .parameter }
        kind = EstimandKind.conventional(name)
    }
}

/// An estimand added to the catalogue by a definition instead of a new case: its name,
/// role, figure kind, typeset name and computation on a spatial fit. Registered once
/// (`EstimandCatalogue.register`) before scenarios naming it are read, it can be listed in
/// any spatial estimator's `estimands` and is scored, stored and reported like the built-in ones.
public struct EstimandDefinition: Sendable {
    public let name: String
    public let role: EstimandRole
    public let kind: EstimandKind
    public let typeset: String?
    /// The truth, given the truth of any built-in spatial estimand by name (NaN when the world has none).
    public let truth: @Sendable (_ builtIn: (String) -> Double) -> Double
    /// Estimate, SE and interval from a spatial fit, with the truth computed above.
    public let estimate: @Sendable (_ fit: SpatialFitResult, _ truth: Double) -> EstimandResult

    public init(name: String, role: EstimandRole = .parameter, kind: EstimandKind = .scalar, typeset: String? = nil,
                truth: @escaping @Sendable (_ builtIn: (String) -> Double) -> Double,
                estimate: @escaping @Sendable (_ fit: SpatialFitResult, _ truth: Double) -> EstimandResult) {
        self.name = name
        self.role = role
        self.kind = kind
        self.typeset = typeset
        self.truth = truth
        self.estimate = estimate
    }
}

/// The registered estimand definitions (process-wide; registration is rare and reads are
/// many, so a lock guards a small array).
public enum EstimandCatalogue {
    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var definitions: [EstimandDefinition] = []
    }
    private static let store = Store()

    /// Adds `definition` (replacing one of the same name). A name that already has a
    /// built-in meaning is refused: the catalogue would otherwise parse it two ways.
    public static func register(_ definition: EstimandDefinition) throws {
        if SpatialEstimand.builtIn(definition.name) != nil || SelectionEstimand(rawValue: definition.name) != nil
            || TreatmentEstimand(rawValue: definition.name) != nil {
            throw EstimationError("`\(definition.name)` is a built-in estimand; give the new one its own name")
        }
        store.lock.lock(); defer { store.lock.unlock() }
        store.definitions.removeAll { $0.name == definition.name }
        store.definitions.append(definition)
    }

    public static func definition(_ name: String) -> EstimandDefinition? {
        store.lock.lock(); defer { store.lock.unlock() }
        return store.definitions.first { $0.name == name }
    }
}
