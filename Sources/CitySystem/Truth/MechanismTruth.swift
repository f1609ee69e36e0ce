import Foundation
import Numerics

/// The regional-integration mechanism of MODEL.md §10: how much of the policy's effect on Mis
/// runs through digital technology D. Built from the policy's effect on D, ΔD = D(1) − D(0),
/// and the policy's own term δ_P(t)·Treat∘Post, by the outcome equation alone:
///
///   ΔMis = NIE + NDE,  NIE = S[(β4 + β3 CA)∘ΔD + W((θ4 + θ3 CA)∘ΔD)],  NDE = S[δ_P Treat∘Post],
///
/// S the outcome's solution operator ((I − ρW)⁻¹ period by period, or the dynamic recursion
/// from a zero start, since both worlds share the start). Mis is additive in D and the policy
/// term, so the natural indirect effect does not depend on the reference world (NIE(0) = NIE(1)).
/// Given the realised ΔD these are the replication's sample truths; given E[ΔD] (the noise-free
/// recursion of `CitySystemCell.expectedDigitalEffect`) they are its expectation over the digital
/// shocks, CA held fixed. Means are over the treated city-years after adoption (`…Treated`) and
/// over the never-treated city-years from the first adoption (`…Controls`).
public struct MechanismTruth: Codable, Sendable {
    /// Per CA-curve kind (direct, indirect, total): the policy's effect on the CA → Mis slope and
    /// on the turning point, both through D, at the treated cities' mean D after adoption.
    public struct CurveShift: Codable, Sendable {
        public let effect: EffectKind
        /// (m1 β3 + m2 θ3)·attD: the CA slope of the curve rises by this at any CA; nil without treated cities.
        @NullWhenAbsent public private(set) var slope: Double?
        /// dc*/dD · attD; nil when the curve is linear in CA or no city is treated.
        @NullWhenAbsent public private(set) var turningPoint: Double?
    }

    /// First stage: mean ΔD on the treated after adoption, and on the never-treated controls
    /// (diffusion carries the treated cities' gain to their neighbours).
    @NullWhenAbsent public private(set) var attD: Double?
    @NullWhenAbsent public private(set) var spilloverD: Double?
    /// Total effect on Mis (= `IntegrationEffect.meanAtt`), its parts through D and not through D,
    /// and the share through D, on the treated.
    @NullWhenAbsent public private(set) var attMis: Double?
    @NullWhenAbsent public private(set) var indirectTreated: Double?
    @NullWhenAbsent public private(set) var directTreated: Double?
    @NullWhenAbsent public private(set) var shareTreated: Double?
    /// The same on the controls (spillovers through W and through diffusion of D).
    @NullWhenAbsent public private(set) var spilloverMis: Double?
    @NullWhenAbsent public private(set) var indirectControls: Double?
    @NullWhenAbsent public private(set) var shareControls: Double?
    public let curveShifts: [CurveShift]

    /// The decomposition's city-year vectors (time-major, N·T).
    public struct Paths: Sendable {
        public let indirect: [Double]
        public let direct: [Double]
    }

    /// NIE and NDE paths: S applied to the D channel's and the policy term's right-hand sides.
    public static func paths(model m: OutcomeModel, ca: [Double], deltaD: [Double], policy: [Double]) throws -> Paths {
        let parts = channelParts(model: m, ca: ca, deltaD: deltaD)
        var own = parts.own
        let count = own.count
        let wl = m.weights.applyPanel(parts.lagged)
        for k in 0..<count { own[k] += wl[k] }
        return Paths(indirect: try solve(m, own), direct: try solve(m, policy))
    }

    /// The D channel's right-hand side before W: own (β4 + β3 CA)∘ΔD and lagged (θ4 + θ3 CA)∘ΔD,
    /// so that the channel is own + W·lagged, added element by element.
    static func channelParts(model m: OutcomeModel, ca: [Double], deltaD: [Double]) -> (own: [Double], lagged: [Double]) {
        let count = ca.count
        var own = [Double](repeating: 0, count: count), lagged = own
        for k in 0..<count {
            own[k] = (m.beta[3] + m.beta[2] * ca[k]) * deltaD[k]
            lagged[k] = (m.theta[3] + m.theta[2] * ca[k]) * deltaD[k]
        }
        return (own, lagged)
    }

    /// S r: the static filter, or the dynamic recursion from Mis_0 = 0 (the two worlds' common start cancels).
    static func solve(_ m: OutcomeModel, _ r: [Double]) throws -> [Double] {
        guard m.isDynamic else { return try m.filter.solvePanel(r) }
        return try m.solveDynamic(rhs: r, start: [Double](repeating: 0, count: m.weights.count))
    }

    /// - Parameters:
    ///   - deltaD: D(1) − D(0), realised or expected; `policy`: δ_P(t) on treated post city-years, else 0.
    ///   - weights: the effect weights of the curves (m1, m2 per kind).
    public init(model m: OutcomeModel, weights w: EffectWeights, ca: [Double], deltaD: [Double], policy: [Double],
                treat: [Int], post: [Int], years: [Int], firstAdoption: Int) throws {
        self.init(model: m, weights: w, deltaD: deltaD, paths: try Self.paths(model: m, ca: ca, deltaD: deltaD, policy: policy),
                  treat: treat, post: post, years: years, firstAdoption: firstAdoption)
    }

    /// As above from the decomposition's paths (`paths(model:ca:deltaD:policy:)`).
    public init(model m: OutcomeModel, weights w: EffectWeights, deltaD: [Double], paths p: Paths,
                treat: [Int], post: [Int], years: [Int], firstAdoption: Int) {
        let n = treat.count
        var sums = [Double](repeating: 0, count: 6)   // ΔD, NIE, NDE on the treated, then on the controls
        var nt = 0, nc = 0
        for period in years.indices {
            for i in 0..<n {
                let k = period * n + i
                if treat[i] == 1 {
                    guard post[k] == 1 else { continue }
                    sums[0] += deltaD[k]; sums[1] += p.indirect[k]; sums[2] += p.direct[k]; nt += 1
                } else if years[period] >= firstAdoption {
                    sums[3] += deltaD[k]; sums[4] += p.indirect[k]; sums[5] += p.direct[k]; nc += 1
                }
            }
        }
        func mean(_ s: Double, _ c: Int) -> Double? { c > 0 ? s / Double(c) : nil }
        func share(_ part: Double?, _ whole: Double?) -> Double? {
            guard let part, let whole, whole != 0 else { return nil }
            return part / whole
        }
        let dd = mean(sums[0], nt), indirectT = mean(sums[1], nt), attT = mean(sums[1] + sums[2], nt)
        let indirectC = mean(sums[4], nc), spilloverC = mean(sums[4] + sums[5], nc)
        attD = dd
        indirectTreated = indirectT
        directTreated = mean(sums[2], nt)
        attMis = attT
        shareTreated = share(indirectT, attT)
        spilloverD = mean(sums[3], nc)
        indirectControls = indirectC
        spilloverMis = spilloverC
        shareControls = share(indirectC, spilloverC)
        curveShifts = [(EffectKind.direct, w.a1, w.a2), (.indirect, w.k1, w.k2), (.total, w.t1, w.t2)].map { (effect, m1, m2) in
            let tp = EffectFormulas.turningPoint(m1: m1, m2: m2, beta: m.beta, theta: m.theta, d: 0)
            return CurveShift(effect: effect, slope: dd.map { (m1 * m.beta[2] + m2 * m.theta[2]) * $0 },
                              turningPoint: dd.flatMap { d in tp.shift.map { $0 * d } })
        }
    }
}
