import ArgumentParser
import CitySystem
import Estimators
import Foundation
import Numerics

extension ConleyKernel: ExpressibleByArgument {}
extension ConleySmallSample: ExpressibleByArgument {}

/// The Conley spatial-HAC options shared by `estimate twfe` and `estimate psm-did` (with
/// `--vce conley`): coordinates come from two columns of the data, constant within a unit.
struct ConleyOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Conley: distance cutoff in km (pairs farther apart get weight 0).") var cutoff: Double?
    @Option(help: "Conley: coordinate columns LAT,LON (degrees, great-circle distances), or X,Y in km with --coords-km.")
    var coords: String?
    @Flag(help: "Conley: --coords are planar X,Y in km (Euclidean distances) instead of latitude, longitude.") var coordsKm = false
    // The four below are optional, not defaulted, so that giving one without --vce conley is
    // refused even when it spells the default (it would be accepted and ignored).
    @Option(help: "Conley: distance kernel, bartlett (1 − d/cutoff; default) or uniform.") var kernel: ConleyKernel?
    @Option(parsing: .unconditional, help: "Conley: serial lag in periods within a unit (Bartlett weights 1 − l/(lag+1)); 0 = spatial only (default).") var lag: Int?
    @Option(help: "Conley: weights of the serial pairs, bartlett (1 − l/(lag+1); default) or uniform (1; with lag ≥ T − 1 = clustering by unit over time).")
    var serialKernel: ConleyKernel?
    @Option(help: "Conley: small-sample factor, none (default; as conleyreg) or fixest ((n − 1)/(n − K) and t(n − K), K as fixest's default ssc(): regressors + fixed effects not nested in the coordinates) or fixest_full (K with every fixed effect, fixest ssc(fixef.K = full)); twfe and psm-did only.")
    var smallSample: ConleySmallSample?

    var columns: [String] { (coords ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    /// Checks the options given `--vce conley` (`used`) or refuses them without it.
    func validate(used: Bool) throws {
        guard used else {
            let given = [("--cutoff", cutoff != nil), ("--coords", coords != nil), ("--coords-km", coordsKm), ("--kernel", kernel != nil),
                         ("--lag", lag != nil), ("--serial-kernel", serialKernel != nil), ("--small-sample", smallSample != nil)]
                .filter(\.1).map(\.0)
            if !given.isEmpty {
                throw ValidationError("\(given.joined(separator: ", ")) \(given.count == 1 ? "belongs" : "belong") to the Conley variance (--cutoff, --coords, --coords-km, --kernel, --lag, --serial-kernel, --small-sample): add --vce conley, or drop \(given.count == 1 ? "it" : "them")")
            }
            return
        }
        guard let cutoff else { throw ValidationError("--vce conley needs --cutoff KM (the distance beyond which errors are uncorrelated)") }
        guard cutoff.isFinite && cutoff > 0 else { throw ValidationError("--cutoff must be a positive number of km (got \(cutoff))") }
        guard columns.count == 2 else {
            throw ValidationError("--vce conley needs --coords with two columns: LAT,LON in degrees, or X,Y in km with --coords-km (got '\(coords ?? "")')")
        }
        if let lag, lag < 0 { throw ValidationError("--lag must be ≥ 0 periods (got \(lag))") }
    }

    /// The Conley settings for units coded 0, 1, … (`unitOf(row)`), each unit's coordinates
    /// taken from its rows of `table` (they must agree).
    func spec(table: DataTable, units: Int, unitOf: (Int) -> Int?) throws -> ConleySpec {
        let (a, b) = (try table.numbers(columns[0]), try table.numbers(columns[1]))
        var first = [Double?](repeating: nil, count: units), second = first
        for r in 0..<table.rowCount {
            guard let u = unitOf(r) else { continue }
            if let f = first[u], let s = second[u] {
                guard f == a[r], s == b[r] else {
                    throw DataError("\(table.source): line \(r + 2): the coordinates (\(columns[0]), \(columns[1])) of a unit change between periods; each unit needs one location")
                }
            } else { first[u] = a[r]; second[u] = b[r] }
        }
        guard first.allSatisfy({ $0 != nil }) else { throw DataError("\(table.source): some unit has no row with coordinates") }
        let (ca, cb) = (first.map { $0! }, second.map { $0! })
        let geography: Geography
        do {
            geography = coordsKm ? try Geography.locations(x: ca, y: cb, isLonLat: false)
                                 : try Geography.locations(x: cb, y: ca, isLonLat: true)
        } catch let e as NumericsError {
            throw DataError("\(table.source): columns \(columns[0]), \(columns[1]): \(e.message)\(coordsKm ? "" : " (--coords takes LAT,LON in that order; use --coords-km for planar km)")")
        }
        return try ConleySpec(cutoffKm: cutoff!, kernel: kernel ?? .bartlett, lag: lag ?? 0, serialKernel: serialKernel ?? .bartlett,
                              smallSample: smallSample ?? .none, neighbours: geography.neighbours(within: cutoff!))
    }

    /// The settings for a `TreatmentPanel` (unit i at its i-th label).
    func spec(table: DataTable, data: TreatmentPanel, idColumn: String) throws -> ConleySpec {
        let index = Dictionary(uniqueKeysWithValues: data.unitLabels.enumerated().map { ($1, $0) })
        let ids = try table.strings(idColumn)
        return try spec(table: table, units: data.unitCount) { index[ids[$0]] }
    }

    /// Ordinal period of each row (rank of its time value among the distinct values), so the
    /// lag counts observed periods.
    static func periodRanks(_ times: [Double]) -> [Int] {
        let rank = Dictionary(uniqueKeysWithValues: Array(Set(times)).sorted().enumerated().map { ($1, $0) })
        return times.map { rank[$0]! }
    }
}
