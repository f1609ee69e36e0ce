import Foundation
import Numerics

/// The distance kernel of a spatial-HAC variance.
public enum ConleyKernel: String, Sendable, CaseIterable, Codable {
    /// K(d) = 1 − d/c for d < c, else 0 (the radial Bartlett window of Conley 1999 as used by
    /// Hsiang 2010, R conleyreg and Stata acreg).
    case bartlett
    /// K(d) = 1 for d ≤ c, else 0 (Conley 1999's truncated window).
    case uniform

    public func weight(distance d: Double, cutoff c: Double) -> Double {
        switch self {
        case .bartlett: return d < c ? 1 - d / c : 0
        case .uniform: return d <= c ? 1 : 0
        }
    }
}

/// The small-sample factor of a Conley variance on a linear (panel) regression.
public enum ConleySmallSample: String, Sendable, CaseIterable, Codable {
    /// No factor (R conleyreg, Stata ols_spatial_HAC/reg2hdfespatial, Python diff-diff): B M B.
    case none
    /// R fixest's default `ssc()` (adj = TRUE, fixef.K = "nested") for `vcov_conley`: the
    /// variance times (n − 1)/(n − K) and t with n − K degrees of freedom, where K counts the
    /// regressors plus, per fixed-effect dimension NOT nested in the coordinates, its levels − 1,
    /// plus 1 (fixest's `vcov.fixest`: the coordinates are `rm_nested` variables, so a unit effect —
    /// one location per unit — drops out of K; without fixed effects K = the regressors, intercept
    /// included).
    case fixest
    /// fixest's `ssc(fixef.K = "full")`: the same with every fixed effect in K — K = regressors +
    /// Σ (levels − 1) + 1, the count of the iid variance (as Stata reghdfe's robust variance).
    case fixestFull = "fixest_full"
}

/// Settings of a Conley (1999) spatial-HAC variance: which pairs of locations may have
/// correlated errors (distance ≤ `cutoffKm`, weighted by `kernel`) and, in a panel, how many
/// periods of serial correlation within a unit are allowed (`lag`, Bartlett weights
/// 1 − ℓ/(lag + 1), Newey & West 1987; the spatio-temporal form of Hsiang 2010).
///
/// `neighbours` lists the pairs of locations within (at least) the cutoff; build it once per
/// geography (`Geography.neighbours(within:)`, a grid search) — memory is linear in the pairs.
///
/// `serialKernel` weighs the serial pairs: `.bartlett` (1 − ℓ/(lag + 1), Hsiang 2010, conleyreg,
/// diff-diff) or `.uniform` (1 for ℓ ≤ lag): with lag ≥ T − 1 the serial part is then the
/// cluster-by-unit meat, so the variance allows arbitrary correlation within a unit over time
/// plus spatial correlation within a period (as Stata acreg's spatial + cluster option).
public struct ConleySpec: Sendable, Equatable {
    public let cutoffKm: Double
    public let kernel: ConleyKernel
    public let lag: Int
    public let serialKernel: ConleyKernel
    /// The small-sample factor (`ConleySmallSample`); applied by `PanelOLS` only — the spatial
    /// (QML) variances refuse anything but `.none`.
    public let smallSample: ConleySmallSample
    public let neighbours: NeighbourList

    public init(cutoffKm: Double, kernel: ConleyKernel = .bartlett, lag: Int = 0, serialKernel: ConleyKernel = .bartlett,
                smallSample: ConleySmallSample = .none, neighbours: NeighbourList) throws {
        guard cutoffKm.isFinite, cutoffKm > 0 else { throw TreatmentError("Conley variance: the cutoff must be a positive number of km, got \(cutoffKm)") }
        guard lag >= 0 else { throw TreatmentError("Conley variance: the serial lag must be ≥ 0 periods, got \(lag)") }
        guard neighbours.radius >= cutoffKm else {
            throw TreatmentError("Conley variance: the neighbour list reaches \(neighbours.radius) km, less than the cutoff \(cutoffKm) km; build it with a radius ≥ the cutoff")
        }
        self.cutoffKm = cutoffKm
        self.kernel = kernel
        self.lag = lag
        self.serialKernel = serialKernel
        self.smallSample = smallSample
        self.neighbours = neighbours
    }

    /// Weight of a serial pair `gap` periods apart within a unit (0 < gap ≤ lag): 1 − gap/(lag + 1)
    /// with the Bartlett serial kernel, 1 with the uniform one; 1 at gap 0, 0 beyond the lag.
    public func serialWeight(gap: Int) -> Double {
        guard gap > 0 else { return gap == 0 ? 1 : 0 }
        guard gap <= lag else { return 0 }
        return serialKernel == .uniform ? 1 : 1 - Double(gap) / Double(lag + 1)
    }

    /// One-line description, e.g. "Conley (bartlett, 300 km, lag 2)".
    public var label: String {
        let km = cutoffKm == cutoffKm.rounded() ? String(Int(cutoffKm)) : String(cutoffKm)
        return "Conley (\(kernel.rawValue), \(km) km\(lag > 0 ? ", lag \(lag)\(serialKernel == .uniform ? " uniform" : "")" : "")\(smallSample == .none ? "" : ", \(smallSample.rawValue) ssc"))"
    }
}

/// The meat of a spatial-HAC sandwich: Σ_a Σ_b K_ab s_a s_bᵀ over observations a, b with
///   K_ab = K(d(loc_a, loc_b))           when a and b are in the same period (K(0) = 1, so a = b
///                                        and units sharing a location enter with weight 1),
///   K_ab = 1 − |t_a − t_b|/(lag + 1)     when a ≠ b are the same unit, 0 < |t_a − t_b| ≤ lag
///                                        (1 with the uniform serial kernel),
///   0 otherwise
/// (Conley 1999; Hsiang 2010's `ols_spatial_HAC`: the spatial sum within periods plus the
/// serial sum within units, as R conleyreg and Python diff-diff). Cost O(pairs · T · p + n p²):
/// each observation's u_a = Σ_b K_ab s_b is accumulated from its neighbours, then M = Σ_a s_a u_aᵀ.
enum SpatialHACMeat {
    /// - Parameters:
    ///   - scores: n × p, row a = s_a.
    ///   - location: location index (into `spec.neighbours`) of each observation.
    ///   - period: ordinal period of each observation (consecutive periods differ by 1).
    ///   - unit: unit code of each observation (serial pairs are within a unit).
    static func meat(scores: Matrix, location: [Int], period: [Int], unit: [Int], spec: ConleySpec) throws -> Matrix {
        let n = scores.rows, p = scores.cols
        guard location.count == n, period.count == n, unit.count == n else {
            throw TreatmentError("Conley variance: \(location.count) locations, \(period.count) periods and \(unit.count) units for \(n) observations")
        }
        let nb = spec.neighbours
        if let bad = location.first(where: { $0 < 0 || $0 >= nb.count }) {
            throw TreatmentError("Conley variance: location \(bad) outside the \(nb.count) locations of the neighbour list")
        }
        // Observations grouped by (period, location), in compressed rows.
        let periods = Array(Set(period)).sorted()
        let pIndex = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1, $0) })
        let cells = periods.count * nb.count
        var start = [Int](repeating: 0, count: cells + 1)
        let cellOf = (0..<n).map { pIndex[period[$0]]! * nb.count + location[$0] }
        for c in cellOf { start[c + 1] += 1 }
        for c in 0..<cells { start[c + 1] += start[c] }
        var fill = start, members = [Int](repeating: 0, count: n)
        for a in 0..<n { members[fill[cellOf[a]]] = a; fill[cellOf[a]] += 1 }

        // Observations of each unit (for the serial pairs).
        var unitMembers: [[Int]] = []
        var unitIndex: [Int: Int] = [:]
        if spec.lag > 0 {
            for a in 0..<n {
                if let g = unitIndex[unit[a]] { unitMembers[g].append(a) } else { unitIndex[unit[a]] = unitMembers.count; unitMembers.append([a]) }
            }
        }
        let lagWeight = (0...spec.lag).map { spec.serialWeight(gap: $0) }

        var u = [Double](repeating: 0, count: p)
        var meat = Matrix(rows: p, cols: p)
        for a in 0..<n {
            for j in 0..<p { u[j] = 0 }
            func add(_ b: Int, _ k: Double) { for j in 0..<p { u[j] += k * scores[b, j] } }
            let cellA = cellOf[a], base = cellA - location[a]
            for m in start[cellA]..<start[cellA + 1] { add(members[m], 1) }
            let loc = location[a]
            for q in nb.rowStart[loc]..<nb.rowStart[loc + 1] {
                let k = spec.kernel.weight(distance: nb.distance[q], cutoff: spec.cutoffKm)
                guard k != 0 else { continue }
                let cell = base + nb.neighbour[q]
                for m in start[cell]..<start[cell + 1] { add(members[m], k) }
            }
            if spec.lag > 0 {
                for b in unitMembers[unitIndex[unit[a]]!] {
                    let gap = abs(period[b] - period[a])
                    if gap > 0 && gap <= spec.lag { add(b, lagWeight[gap]) }
                }
            }
            for j in 0..<p { for i in 0..<p { meat[i, j] += scores[a, i] * u[j] } }
        }
        // Exact symmetry (the kernel is symmetric; rounding of the accumulation is not).
        for j in 0..<p { for i in 0..<j { let v = 0.5 * (meat[i, j] + meat[j, i]); meat[i, j] = v; meat[j, i] = v } }
        return meat
    }
}
