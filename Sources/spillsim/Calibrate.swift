import ArgumentParser
import Calibration
import CitySystem
import Estimators
import Foundation

extension ObservedDesignSpec.Errors: ExpressibleByArgument {}

extension Spillsim {
    /// `spillsim calibrate`: fit the SDM to a real panel and write the scenario of a world like it.
    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit the SDM to a real panel and write a scenario whose world is that panel's design with the fitted parameters.",
            discussion: """
            The scenario's city_system is an observed design: the regressors, W, N, T and the fixed \
            effects are the data's (the data and W files are referenced relative to the scenario and \
            checked by a content hash at run time), and each replication regenerates the outcome from \
            the fitted rho, beta, theta and sigma2 (e'e/(n - fixed effects - p)) with errors drawn by one of six \
            laws: unit_wild (default: one Rademacher sign per unit times its residual series; keeps serial \
            dependence), unit_block (whole units' series resampled), time_block (whole years' cross-sections \
            resampled; keeps spatial dependence), wild, bootstrap or normal (keep neither). It prints the \
            residuals' lag-1 serial and spatial correlation and what each law keeps. The truth is \
            the calibrated parameters; `spillsim truth` prints it and `spillsim run` scores the estimators \
            against it. --grid adds common what-if worlds: theta = 0, rho at either bound of its 95% interval, and \
            with --quadratic a monotone truth (beta2 = theta2 = 0: the U-test's null deep inside, not its size) and two \
            boundary worlds with the turning point at the quadratic regressor's p5 and p95 (the U-test's \
            least-favourable null, where its rejection rate is its size). --out is not replaced unless --overwrite. A panel with missing city-years (rows absent \
            or cells empty) is fitted by the unbalanced estimator and its design keeps the gaps: every \
            replication regenerates exactly the observed city-years (docs/unbalanced.md).
            """)

        @OptionGroup var panel: PanelColumns
        @Option(help: "Weight matrix CSV (dense with an 'id' column, or from,to,weight).") var weights: String
        @Option(parsing: .upToNextOption, help: "Regressors (comma- or space-separated).") var x: [String]
        @Option(help: "Regressor (in --x) also entered as its square X^2: curves, turning points and U-tests.")
        var quadratic: String?
        @Option(help: "Moderator D of the quadratic regressor: adds X:D (and D if not in --x).")
        var moderator: String?
        @Option(help: "Fixed effects: individual, time, twoways or none.") var effects: FixedEffects = .twoWays
        @Option(help: "direct or lee-yu (consistent sigma2 for fixed T; default lee-yu, and direct on a panel with gaps, the only exact form there).")
        var approach: SpatialApproach?
        @Option(help: "Errors of each replication: unit_wild (default), unit_block, time_block, wild, bootstrap or normal.")
        var errors: ObservedDesignSpec.Errors = .standard
        @Option(help: "Scenario YAML to write (refused if it exists, unless --overwrite).") var out: String
        @Flag(help: "Replace an existing --out (as run --overwrite).") var overwrite = false
        @Flag(help: "Add a grid of what-if worlds (theta = 0, rho at its 95% bounds; with --quadratic a monotone truth and the two boundary worlds of the U-test's size).") var grid = false
        @Option(parsing: .unconditional, help: "Replications per cell written to the scenario.") var reps: Int = 500
        @Option(parsing: .unconditional, help: "Seed written to the scenario (default the scenario default).") var seed: Int?
        @Option(help: "Scenario name (default the file name of --out); it names the default result file results/NAME.h5, so no / or \\.") var name: String?
        @Flag(help: "Use W as given instead of row-standardising it.") var noRowStandardise = false
        @Option(help: "Panels with merged cities: CSV city,into,year (as for `estimate sdm --merges`, docs/unbalanced.md); the design keeps the merges.")
        var merges: String?

        var regressors: [String] { splitList(x) }

        func validate() throws {
            if regressors.isEmpty { throw ValidationError("--x needs at least one regressor") }
            if moderator != nil && quadratic == nil { throw ValidationError("--moderator needs --quadratic") }
            if reps < 1 { throw ValidationError("--reps must be ≥ 1") }
            if let seed, seed < 0 { throw ValidationError("--seed must be ≥ 0") }
            // Checked before the fit: a calibrated scenario may be committed (the README's worked example is).
            if !overwrite && FileManager.default.fileExists(atPath: out) {
                throw ValidationError("--out \(out) exists; choose another --out, or pass --overwrite to replace it")
            }
            // The scenario would be written and then refused by every command that loads it.
            if let name, let problem = ScenarioDocument.nameProblem(name) {
                throw ValidationError("--name \(problem.reason); \(problem.fix.replacingOccurrences(of: "name: ", with: "--name "))")
            }
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: regressors + [moderator].compactMap { $0 }.filter { !regressors.contains($0) },
                                 regressorOption: "--x", keys: panel.keys)
        }

        func run() throws {
            var request = CalibrationRequest(data: panel.data, weights: weights, id: panel.id, time: panel.time, y: panel.y, x: regressors)
            request.quadratic = quadratic
            request.moderator = moderator
            request.effects = effects
            request.approach = approach
            request.errors = errors
            request.rowStandardise = !noRowStandardise
            request.merges = merges
            let directory = URL(fileURLWithPath: out).standardized.deletingLastPathComponent().path
            let calibration = try Calibration.run(request, scenarioDirectory: directory)
            var options = CalibratedScenario.Options(
                name: name ?? URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent, version: Spillsim.version)
            options.grid = grid
            options.replications = reps
            if let seed { options.seed = seed }
            try OutputFile.write(CalibratedScenario.yaml(calibration, options: options), to: out)
            let world = try calibration.world(source: out)
            if let u = calibration.gaps { print(SDMReport.text(u)) } else { print(SDMReport.text(calibration.analysis)) }
            print(CalibrationReport.dependence(world.dependence, chosen: errors))
            let size: String
            switch world {
            case .balanced: size = "\(calibration.fit.n) units × \(calibration.fit.t) periods"
            case .gaps(let d): size = "\(calibration.fit.n) units × \(calibration.fit.t) periods with the data's gaps; " + d.patternText
            }
            print("wrote \(out): an observed design (\(size), \(errors.rawValue) errors), \(reps) replications\(grid ? ", \(CalibratedScenario.whatIfWorlds(calibration).count) what-if worlds" : "")")
            print("next: spillsim truth \(out)   ·   spillsim run \(out)")
        }
    }
}

/// The text `calibrate` prints about the residuals' dependence and the error laws.
enum CalibrationReport {
    static func dependence(_ d: ResidualDependence, chosen: ObservedDesignSpec.Errors) -> String {
        var out = [String(format: "Residual dependence: lag-1 serial correlation %.3f, spatial correlation (Moran's I, pooled over periods) %.3f", d.serial, d.spatial),
                   "Error laws (what each keeps of it):"]
        for law in ObservedDesignSpec.Errors.allCases {
            out.append("  " + (law == chosen ? "* " : "  ") + law.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + ResidualDependence.keeps(law)
                       + (law == .standard ? " (default)" : ""))
        }
        if chosen != .timeBlock && abs(d.spatial) > abs(d.serial) {
            out.append("note: the spatial correlation exceeds the serial one here; --errors time_block keeps it")
        }
        return out.joined(separator: "\n")
    }
}
