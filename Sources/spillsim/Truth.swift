import ArgumentParser
import Calibration
import CitySystem
import Foundation

extension Spillsim {
    /// Prints the true parameters and estimands of a scenario's panel.
    struct Truth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the true parameters and estimands (effects, turning points, ATT) of a scenario.")

        @OptionGroup var options: ScenarioOptions

        @Flag(help: "Print JSON (keys documented in scenarios/README.md).")
        var json = false

        func run() throws {
            let spec = try options.load()
            if let observed = spec.observed {
                // The truth of an observed design does not depend on the replication: the design is fixed.
                let world = try ObservedWorld.load(spec: observed, source: spec.source)
                let truth = world.truth
                print(json ? String(decoding: try truth.jsonData(), as: UTF8.self)
                           : TruthText.render(truth, title: "\(spec.name) (observed design \(observed.data))"), terminator: json ? "\n" : "")
                if !json, case .gaps(let d) = world {
                    print("on the data's \(d.panel.observations) observed city-years: the multipliers and effects average each year's W_t over them")
                }
                return
            }
            let panel = try CitySystemCell(scenario: spec).generate(replication: options.replication)
            if json {
                print(String(decoding: try panel.truth.jsonData(), as: UTF8.self))
            } else {
                print(TruthText.render(panel.truth, title: "\(spec.name) (\(panel.stream))"), terminator: "")
            }
        }
    }
}
