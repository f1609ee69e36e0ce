import Foundation
import Numerics

/// Cities of a user's panel that merge into one from a year (issue 24; Chaohu dissolved into its
/// neighbours in 2011), read from a CSV with columns `city,into,year`: one row per part.
///
/// Convention (docs/unbalanced.md "Merges"): **the merged city is a new unit** with its own fixed
/// effect — its level mixes its parts', so neither part's μ_i carries over. The parts leave the
/// panel at the merge year and the merged city enters. When `into` is the id of one of the parts
/// (the absorbing city keeps its name in the statistics, as Hefei did), its rows from the merge
/// year on are that new unit, labelled "`into` (merged `year`)".
///
/// W of the merged geography aggregates the parts: with P the 0/1 matrix mapping each part to
/// its merged city, the merged city's weights are the rows and columns of P W Pᵀ — its weight to
/// a city j is the sum of its parts' weights to j, j's weight to it the sum of j's weights to its
/// parts, links between the parts dropped — taken on W's symmetric form R W (r_i w_ij = r_j w_ji;
/// a symmetric W as given, a row-standardised contiguity back to 0/1), W as given without one. So a neighbour j of a part keeps, after
/// row-standardisation, the share of its neighbourhood the parts had together. `extend` appends
/// the merged cities to W's units; in every year W_t is this extended W restricted to the cities
/// present and re-standardised (`PeriodWeights`), which is the row-standardised aggregated W of
/// that year's geography. The not-re-standardised W_t (`restandardise: false`) would mix the
/// row sums of two geographies and is refused with merges.
public struct CityMerges: Sendable {
    public struct Merge: Sendable, Equatable {
        /// Ids of the merging cities (W's ids), in the file's order.
        public let parts: [String]
        /// The id the merged city has in the panel (new, or one of the parts when it absorbs the others).
        public let into: String
        /// First period of the merged city.
        public let year: Double
        /// Unit id of the merged city in the extended W (equal to `into` unless it is a part's id).
        public var unitID: String { parts.contains(into) ? "\(into) (merged \(PanelIndex.format(year)))" : into }
        public var absorbs: Bool { parts.contains(into) }
    }

    public let merges: [Merge]
    public let source: String

    public init(_ merges: [Merge], source: String = "merges") {
        self.merges = merges
        self.source = source
    }

    public static func read(csv url: URL) throws -> CityMerges { try parse(DataTable.read(csv: url)) }

    /// A merges table already read (an observed design hashes the bytes it parses).
    public static func parse(_ table: DataTable) throws -> CityMerges {
        let src = table.source
        let lower = table.columnNames.map { $0.lowercased() }
        guard let ci = lower.firstIndex(of: "city"), let ii = lower.firstIndex(of: "into"), let yi = lower.firstIndex(of: "year") else {
            throw DataError("\(src): a merges file has the columns city,into,year (one row per merging city); the header is '\(table.columnNames.joined(separator: ","))'")
        }
        let cities = try table.strings(table.columnNames[ci]), into = try table.strings(table.columnNames[ii])
        let years = try table.numbers(table.columnNames[yi])
        var order: [String] = [], groups: [String: (parts: [String], year: Double, line: Int)] = [:]
        var partOf: [String: Int] = [:]
        for r in 0..<table.rowCount {
            let city = cities[r], target = into[r], line = r + 2
            guard !city.isEmpty, !target.isEmpty else { throw DataError("\(src): line \(line) has an empty city or into") }
            if let first = partOf[city] {
                throw DataError("\(src): city '\(city)' merges twice (lines \(first) and \(line)); each city merges once — a merged city that merges again is not supported")
            }
            partOf[city] = line
            if var g = groups[target] {
                guard g.year == years[r] else {
                    throw DataError("\(src): the parts of '\(target)' merge in different years (\(PanelIndex.format(g.year)) at line \(g.line), \(PanelIndex.format(years[r])) at line \(line)); all parts of one merged city share its year")
                }
                g.parts.append(city); groups[target] = g
            } else {
                order.append(target); groups[target] = ([city], years[r], line)
            }
        }
        let merges = order.map { Merge(parts: groups[$0]!.parts, into: $0, year: groups[$0]!.year) }
        for m in merges where m.parts.count < 2 {
            throw DataError("\(src): '\(m.into)' has one part ('\(m.parts[0])'); a merge joins at least two cities (a renamed city is the same unit: rename it in the panel)")
        }
        for m in merges where partOf[m.into] != nil && !m.parts.contains(m.into) {
            throw DataError("\(src): '\(m.into)' is a merged city and also merges into another; chains of merges are not supported")
        }
        guard !merges.isEmpty else { throw DataError("\(src): the merges file has no rows") }
        return CityMerges(merges, source: src)
    }

    /// Checks the merges against W's ids: every part a unit of W, every new `into` not one.
    public func check(weightIDs: [String], weightsSource: String) throws {
        let inW = Set(weightIDs)
        for m in merges {
            if let missing = m.parts.first(where: { !inW.contains($0) }) {
                throw DataError("\(source): city '\(missing)' (merging into '\(m.into)') is not a unit of the weight matrix \(weightsSource); W describes the geography before the merges")
            }
            if !m.absorbs && inW.contains(m.into) {
                throw DataError("\(source): '\(m.into)' is already a unit of \(weightsSource) but not one of its parts; give the merged city a new id, or list the absorbing city among its parts")
            }
        }
    }

    /// W over W's units followed by one merged city per merge (`Merge.unitID`), by aggregation
    /// (P W Pᵀ for the merged cities' rows and columns, links among one merge's parts dropped) of
    /// W's symmetric form (`SparseMatrix.symmetricFormForMerging`: a 0/1 contiguity as given, its
    /// row-standardised version back to 0/1 up to scale).
    public func extend(_ w: SparseMatrix, ids: [String]) throws -> SparseMatrix {
        let pos = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        return try w.symmetricFormForMerging().appendingMergedUnits(merges.map { $0.parts.map { pos[$0]! } })
    }
}
