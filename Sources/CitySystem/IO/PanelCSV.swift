import Foundation
import Numerics

/// CSV text for panels, weight matrices and coordinates. Doubles are printed with
/// %.17g so they round-trip exactly and the same seed gives byte-identical files.
public enum PanelCSV {
    @inline(__always) static func num(_ x: Double) -> String { String(format: "%.17g", x) }

    /// One row per city-year, sorted by city then year: city, year, Mis, CA, D, treat, post,
    /// LQm, LQs, the controls, then cohort, Z, region, centre, Mis0 (the no-integration outcome).
    /// With `city_system.panel` gaps a last column `observed` (1/0) is added and Mis is left
    /// empty in the city-years the analyst does not observe — what every data-in command reads
    /// as a missing value (`estimate sdm` fits the rest, `twfe` drops the rows, `psm-did` and
    /// `cs-did` keep the cities observed every year); the rest of the row is the world's.
    public static func panel(_ p: SyntheticPanel) -> String {
        var out = (["city", "year", "Mis", "CA", "D", "treat", "post", "LQm", "LQs"] + p.controlNames
            + ["cohort", "Z", "region", "centre", "Mis0"] + (p.observed == nil ? [] : ["observed"])).joined(separator: ",") + "\n"
        out.reserveCapacity(p.n * p.t * 260)
        for i in 0..<p.n {
            for t in 0..<p.t {
                let k = t * p.n + i
                let seen = p.observed?[k] ?? true
                var f = [p.cityIds[i], String(p.years[t]), seen ? num(p.mis[k]) : "", num(p.ca[k]), num(p.d[k]), String(p.treat[i]),
                         String(p.post[k]), num(p.lqm[k]), num(p.lqs[k])]
                for c in p.controls { f.append(num(c[k])) }
                f += [String(p.cohort[i]), num(p.z[i]), String(p.region[i]), p.isCentre[i] ? "1" : "0",
                      p.misNoIntegration[k].isFinite ? num(p.misNoIntegration[k]) : ""]
                if let o = p.observed { f.append(o[k] ? "1" : "0") }
                out += f.joined(separator: ",")
                out += "\n"
            }
        }
        return out
    }

    /// A long panel of named time-major columns (observation (t, i) at t·N + i), one row per
    /// unit and period sorted by unit then period: `idName`, `timeName`, then the columns.
    public static func long(idName: String, ids: [String], timeName: String, times: [String],
                            columns: [(name: String, values: [Double])]) -> String {
        var out = ([idName, timeName] + columns.map(\.name)).joined(separator: ",") + "\n"
        let n = ids.count
        for i in 0..<n {
            for (t, time) in times.enumerated() {
                out += ([ids[i], time] + columns.map { num($0.values[t * n + i]) }).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// Dense W: first column `id`, header row of city ids.
    public static func weights(_ w: SpatialWeights, ids: [String]) -> String { matrix(w.matrix, ids: ids) }

    /// The generator's digital-diffusion kernel V (row-standardised), in the layout of `weights`:
    /// the exposure matrix `estimate mediation --exposure-weights` reads.
    public static func diffusion(_ p: SyntheticPanel) -> String? {
        switch p.diffusionKernel {
        case .dense(let v): return matrix(v, ids: p.cityIds)
        case .truncated(let v): return matrix(v.dense(), ids: p.cityIds)
        case nil: return nil
        }
    }

    /// A square matrix as CSV: first column id, a header of the ids (W is densified once here, not per entry).
    static func matrix(_ m: Matrix, ids: [String]) -> String {
        let n = m.rows
        var out = (["id"] + ids).joined(separator: ",") + "\n"
        out.reserveCapacity(n * n * 24)
        for i in 0..<n {
            out += ids[i]
            for j in 0..<n { out += ","; out += m[i, j] == 0 ? "0" : num(m[i, j]) }
            out += "\n"
        }
        return out
    }

    /// id, x_km, y_km (or lon, lat), centre, region, ln_size, dist_centre_km.
    /// The merges of a panel (`city_system.panel.merges`) as `estimate sdm --merges` reads them:
    /// city,into,year, both parts of each pair, the absorbing city's id as `into` (its row holds
    /// the merged city from the year on). Nil without merges.
    public static func merges(_ p: SyntheticPanel) -> String? {
        guard let m = p.merges else { return nil }
        var out = "city,into,year\n"
        for (i, j) in zip(m.into, m.absorbed) {
            out += "\(p.cityIds[i]),\(p.cityIds[i]),\(m.year)\n\(p.cityIds[j]),\(p.cityIds[i]),\(m.year)\n"
        }
        return out
    }

    public static func coordinates(_ p: SyntheticPanel) -> String {
        var out = (["id"] + (p.isLonLat ? ["lon", "lat"] : ["x_km", "y_km"]) + ["centre", "region", "ln_size", "dist_centre_km"])
            .joined(separator: ",") + "\n"
        for i in 0..<p.n {
            out += [p.cityIds[i], num(p.coordinateX[i]), num(p.coordinateY[i]), p.isCentre[i] ? "1" : "0", String(p.region[i]),
                    num(p.lnSize[i]), num(p.distanceToCentre[i])].joined(separator: ",") + "\n"
        }
        return out
    }
}
