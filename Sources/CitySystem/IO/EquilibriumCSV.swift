import Foundation

extension PanelCSV {
    /// The header of `equilibrium(_:)`, in column order.
    public static let equilibriumColumns = [
        "city", "year", "firms_m", "firms_s", "market_access_m", "services_access", "price_index_m", "price_index_s",
        "cost_m", "cost_of_living", "profit_m", "profit_s", "income", "amenity_m", "amenity_s", "LQm", "LQs", "CA", "traditional_share",
        "tau", "residual", "iterations",
    ]

    /// The `neg` mode's equilibrium per city-year, sorted by city then year like the panel;
    /// nil for a panel of the reduced mode. `residual` and `iterations` are the year's fixed point's.
    public static func equilibrium(_ p: SyntheticPanel) -> String? {
        guard let e = p.equilibrium else { return nil }
        var out = equilibriumColumns.joined(separator: ",") + "\n"
        out.reserveCapacity(p.n * p.t * 420)
        let columns = [e.firmsM, e.firmsS, e.marketAccess, e.servicesAccess, e.priceM, e.priceS, e.costM, e.costOfLiving, e.profitM, e.profitS,
                       e.income, e.amenityM, e.amenityS, p.lqm, p.lqs, p.ca, e.traditionalShare]
        for i in 0..<p.n {
            for t in 0..<p.t {
                let k = t * p.n + i
                var f = [p.cityIds[i], String(p.years[t])]
                for c in columns { f.append(num(c[k])) }
                f += [num(e.tau[t]), num(e.residual[t]), String(e.iterations[t])]
                out += f.joined(separator: ",")
                out += "\n"
            }
        }
        return out
    }
}
