import CitySystem
import Foundation

/// One kind of world behind one protocol: the synthetic city system (`CitySystemWorld`), an
/// observed design with or without the data's gaps (`ObservedDesignWorld`) and the known DGP
/// (`KnownDGPWorld`). A world is built for one design cell (its own sections of the cell's
/// document parsed once) and then answers everything the commands ask of it: the cell's
/// experiment (`run`, `validate`), the data support of its curve regressor (`report` for an old
/// result file), one replication's panel (`generate`) and its truth (`truth`). The kind is
/// chosen once, from `ScenarioDocument.world`, in `Worlds.type(of:)`.
public protocol World: Sendable {
    /// Cell construction: the world of design cell `cell` of `document` (a cell's document has the
    /// grid's values applied), drawing its streams from `seed` (nil: the document's own); errors
    /// name `source`.
    init(document: ScenarioDocument, seed: UInt64?, cell: Int, source: String) throws

    /// The world of a design cell for its experiment (`WorldBuilder`): `init(document:seed:cell:source:)`
    /// unless the world builds less up front for the cell's estimators.
    static func forExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> Self

    /// The cell's experiment: the cell's estimators bound to this world and checked against what it
    /// can score. Throws a `ScenarioError` for settings it cannot run.
    func makeExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> any Experiment

    /// The data support of the curve regressor ([p5, p95], `Experiment.dataSupport`); nil when the
    /// world has none.
    func dataSupport() throws -> ClosedRange<Double>?

    /// One replication's panel as the files `generate` writes; a file the world cannot make is
    /// refused with a `PanelRequestError`.
    func panel(replication: Int, request: PanelRequest) throws -> PanelFiles

    /// The truth of one replication's panel (the same in every replication of an observed design).
    func truth(replication: Int) throws -> WorldTruth

    /// The settings of `document` written for a branch its world does not take (an error law's
    /// `df` with normal errors); a design refuses one that no cell uses. A document whose
    /// sections do not parse has none here: building its world reports the error.
    static func unusedSettings(_ document: ScenarioDocument) -> [ScenarioError]

    /// What `validate` says of this world (built from the root `document`): its headline (nil: the
    /// design's) and detail lines. Throws for a generator-only file's unused setting.
    func validationLines(document: ScenarioDocument) throws -> (headline: String?, details: [String])

    /// What `validate` says of a design in this world: a headline when the world has none of its
    /// own, lines about the cells (after the world's) and about the whole design (after its size).
    func validationLines(cells: [DesignCell], scenario: MonteCarloScenario) throws -> (headline: String?, cells: [String], design: [String])
}

extension World {
    public static func forExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> Self {
        try Self(document: cell.document, seed: scenario.seed, cell: cell.index, source: scenario.file)
    }
}

/// The optional files `generate` is asked for beside the panel.
public struct PanelRequest: Sendable {
    /// Write an estimator W, by name (nil: the first).
    public var weights: (write: Bool, name: String?) = (false, nil)
    public var coordinates = false
    public var equilibrium = false
    public var merges = false
    /// Write the generator's digital-diffusion kernel V (the exposure matrix of `estimate mediation --exposure-weights`).
    public var diffusion = false

    public init() {}

    /// The optional files, to name one in a message.
    public enum File: Sendable { case coordinates, equilibrium, merges, diffusion }
}

/// One generated panel as CSV texts, with what `generate` prints about it.
public struct PanelFiles: Sendable {
    public let panel: String
    public let weights: String?
    public let coordinates: String?
    public let merges: String?
    public let equilibrium: String?
    public let diffusion: String?
    /// Warnings about the cell (weights, sectors), one line each.
    public let warnings: [String]
    /// The summary printed to standard error.
    public let summary: String

    public init(panel: String, weights: String? = nil, coordinates: String? = nil, merges: String? = nil, equilibrium: String? = nil,
                diffusion: String? = nil, warnings: [String] = [], summary: String) {
        (self.panel, self.weights, self.coordinates, self.merges, self.equilibrium) = (panel, weights, coordinates, merges, equilibrium)
        self.diffusion = diffusion
        (self.warnings, self.summary) = (warnings, summary)
    }
}

/// A file `generate` was asked for that this world cannot make (the CLI restates each with its flag).
public enum PanelRequestError: Error, Sendable {
    /// No estimator W of that name; `known` lists the names there are.
    case unknownWeights(name: String, known: [String], source: String)
    /// An observed design has one W, the data's (`true`).
    case onlyTheDataWeights(name: String)
    /// An observed design has no such file: `what` it lacks, and why.
    case notInObservedDesign(PanelRequest.File, what: String, reason: String)
    /// Only `sectors.mode: neg` solves an equilibrium; the scenario uses `mode`.
    case noEquilibrium(mode: String, source: String)
    /// The scenario has no merges.
    case noMerges(source: String)
    /// The world draws no panel (the known DGP).
    case noPanel(source: String)
}

/// A world's truth: the one `ModelTruth` of the spatial estimands, the world's own `truth --json`
/// layout and its plain-text rendering (`TrueEstimands`, `ObservedTruth`).
public struct WorldTruth {
    public let model: ModelTruth
    /// The world's `truth --json` text (snake_case keys, sorted; scenarios/README.md).
    public let json: () throws -> Data
    /// The plain-text rendering under a title line.
    public let text: String

    public init(model: ModelTruth, json: @escaping () throws -> Data, text: String) {
        (self.model, self.json, self.text) = (model, json, text)
    }
}

/// The one place the kind of world is chosen.
public enum Worlds {
    public static func type(of kind: WorldKind) -> any World.Type {
        switch kind {
        case .knownDGP: return KnownDGPWorld.self
        case .observed: return ObservedDesignWorld.self
        case .synthetic: return CitySystemWorld.self
        }
    }

    /// The world of the first design cell of a scenario document (`DesignCellChoice.select` with no
    /// choice), with its own seed unless `seed` overrides it.
    public static func load(_ document: ScenarioDocument, seed: UInt64?) throws -> any World {
        try DesignCellChoice.select(document, seed: seed, cell: nil).world
    }
}

/// Builds each cell's experiment through its world (the engine's `ExperimentBuilder`).
public struct WorldBuilder<W: World>: ExperimentBuilder {
    public init() {}

    public func makeExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> any Experiment {
        try W.forExperiment(cell: cell, scenario: scenario).makeExperiment(cell: cell, scenario: scenario)
    }

    public func dataSupport(cell: DesignCell, scenario: MonteCarloScenario) throws -> ClosedRange<Double>? {
        try W.forExperiment(cell: cell, scenario: scenario).dataSupport()
    }
}

typealias CitySystemBuilder = WorldBuilder<CitySystemWorld>
typealias ObservedDesignBuilder = WorldBuilder<ObservedDesignWorld>
public typealias KnownDGPBuilder = WorldBuilder<KnownDGPWorld>
