import Foundation
import Numerics

extension ScenarioParser {
    /// Keys that belong to one branch of a section — an error law's own parameter, a geography
    /// source's own keys — written while another branch is chosen. Parsed and range-checked like any
    /// key, but this world does not use them: accepted and ignored they would be the worst kind of bad
    /// input. They are not refused at parse time because a design may cross the branches (a grid over
    /// `error.law: [normal, t]` with `df` set applies `df` in its t cells); a command that builds one
    /// world refuses them (`ScenarioSpec.requireEverySettingUsed`) and a design refuses one that no
    /// cell uses.
    static func unusedSettings(_ root: ScenarioValue, _ spec: CitySystemSpec, source: String) -> [ScenarioError] {
        var unused: [ScenarioError] = []
        func check(_ section: String, _ keys: [String], usedWhen used: Bool, _ reason: String, fix: (String) -> String) {
            var node = root["city_system"]
            for part in section.split(separator: ".") { node = node?[String(part)] }
            guard !used, let entries = node else { return }
            for key in keys where entries[key] != nil {
                unused.append(ScenarioError(source: source, path: "city_system.\(section).\(key)", reason: reason, fix: fix(key)))
            }
        }
        let law = spec.outcome.error.law
        for (key, owner) in [("ar", ErrorSpec.Law.ar1), ("lambda", .spatial), ("df", .t), ("size_power", .heteroskedastic)] {
            check("outcome.error", [key], usedWhen: law == owner,
                  "applies to `law: \(owner.rawValue)` only; the \(law.rawValue) law does not use it") { "remove '\($0)' or set law: \(owner.rawValue)" }
        }
        check("geography", ["centres", "cities", "square_km", "min_separation_km", "periphery_sd_km"], usedWhen: spec.geography.source == .synthetic,
              "places the synthetic cities; with `source: csv` the cities, centres and coordinates come from the file") {
            "remove '\($0)' or set source: synthetic"
        }
        check("geography", ["file", "units"], usedWhen: spec.geography.source == .csv,
              "applies to `source: csv` only (coordinates read from a file)") { "remove '\($0)' or set source: csv" }
        // Every written treatment key, the selection coefficients by name (an empty `selection: {}` by itself).
        let selection = root["city_system"]?["treatment"]?["selection"]?.entries?.map { "selection.\($0.key)" } ?? []
        check("treatment", ["regions", "t0", "staggered", "selection_intercept", "effect", "effect_growth", "z_slope"]
                  + (selection.isEmpty ? ["selection"] : []),
              usedWhen: spec.treatment.enabled, "applies to an enabled treatment; with `enabled: false` no city is treated and the key is ignored") {
            "remove '\($0)' or set enabled: true"
        }
        check("treatment.selection", selection.map { String($0.dropFirst("selection.".count)) }, usedWhen: spec.treatment.enabled,
              "a selection coefficient of an enabled treatment; with `enabled: false` no city is treated and the key is ignored") {
            "remove 'selection.\($0)' or set treatment.enabled: true"
        }
        if spec.geography.source == .synthetic, !WeightBuilder.holdsSparse(spec.logDeterminant, count: spec.geography.cities) {
            check("digital", ["kernel_tolerance"], usedWhen: false,
                  "truncates the large-N generator's diffusion kernel; with \(spec.geography.cities) cities and logdet \(spec.logDeterminant.rawValue) W is dense and the kernel exact") {
                "remove '\($0)', or set logdet: sparse (auto holds W sparse above \(SpatialWeights.exactSizeLimit) cities)"
            }
        }
        return unused
    }
}

extension ScenarioSpec {
    /// Throws the first setting written but not used by this world (`unusedSettings`); the commands
    /// that build this one world (`generate`, `truth`, `validate` of a file without a design) call it.
    public func requireEverySettingUsed() throws {
        if let first = unusedSettings.first { throw first }
    }
}
