import CGSL
import Foundation

/// How a search ended. Callers branch on this value; `message` is for people.
public enum SearchTermination: String, Sendable, Equatable, CaseIterable {
    /// The tolerance was met at a point whose bracket lies inside the interval.
    case converged
    /// The objective keeps falling towards a bound: the infimum is on the boundary
    /// of the parameter space (or within the search tolerance of it).
    case boundary
    /// The iteration limit was reached before the tolerance was met.
    case iterationLimit
    /// The objective could not be searched (for example non-finite inside the bracket).
    case searchFailed
}

/// Result of a one-dimensional or multidimensional minimisation.
public struct MinimizationResult: Sendable {
    public let argmin: [Double]
    public let minimum: Double
    public let iterations: Int
    public let termination: SearchTermination
    /// Why the search stopped, in words.
    public let message: String

    public var converged: Bool { termination == .converged }
}

/// A `gsl_function` on the heap that evaluates a Swift closure, shared by the minimisers
/// and the quadrature. GSL keeps the pointer between calls (a minimiser's `set`, then every
/// `iterate`), so it cannot be a Swift `inout` temporary, whose address is valid for one
/// call only. Keep the value alive while GSL may call it (`withExtendedLifetime`).
final class GSLFunction {
    let pointer: UnsafeMutablePointer<gsl_function>
    private let f: (Double) -> Double

    init(_ f: @escaping (Double) -> Double) {
        self.f = f
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: gsl_function(function: { x, p in
            Unmanaged<GSLFunction>.fromOpaque(p!).takeUnretainedValue().f(x)
        }, params: nil))
        pointer.pointee.params = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}

private final class VectorFunctionBox {
    let f: ([Double]) -> Double
    let n: Int
    init(_ f: @escaping ([Double]) -> Double, n: Int) { self.f = f; self.n = n }
}

/// Brent's method for a bracketed minimum (GSL `gsl_min_fminimizer_brent`).
///
/// Needs a < guess < b with f(guess) below f(a) and f(b); `bracketedBrent`
/// finds such a guess on a grid first when the caller has none.
public enum Brent {
    /// Minimises `f` on [lower, upper] starting from `guess`.
    /// - Parameters:
    ///   - absoluteTolerance, relativeTolerance: stop when the bracket is
    ///     narrower than absoluteTolerance + relativeTolerance·|x| (GSL's
    ///     `gsl_min_test_interval`). GSL's Brent never steps by less than
    ///     √ε·|x| ≈ 1.5e-8·|x|, so its bracket stalls at a few times that: a
    ///     purely absolute 1e-10 is unreachable away from 0 and would report
    ///     non-convergence after `maxIterations`. The relative 1e-7 is reachable
    ///     and still puts the error on ρ far below any sampling error; the
    ///     absolute 1e-10 governs near 0.
    public static func minimize(_ f: @escaping (Double) -> Double, lower: Double, upper: Double, guess: Double,
                                absoluteTolerance: Double = 1e-10, relativeTolerance: Double = 1e-7,
                                maxIterations: Int = 200) throws -> MinimizationResult {
        NumericsRuntime.ensureInitialised()
        guard lower < guess, guess < upper else {
            throw NumericsError("Brent: guess \(guess) is not inside (\(lower), \(upper))")
        }
        let fn = GSLFunction(f)
        defer { withExtendedLifetime(fn) {} }
        let s = try gslAllocated("gsl_min_fminimizer_alloc", gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent))
        defer { gsl_min_fminimizer_free(s) }
        try gslCheck("gsl_min_fminimizer_set", gsl_min_fminimizer_set(s, fn.pointer, guess, lower, upper))
        var iter = 0
        var status = Int32(GSL_CONTINUE)
        while status == Int32(GSL_CONTINUE) && iter < maxIterations {
            iter += 1
            try gslCheck("gsl_min_fminimizer_iterate", gsl_min_fminimizer_iterate(s))
            status = gsl_min_test_interval(gsl_min_fminimizer_x_lower(s), gsl_min_fminimizer_x_upper(s),
                                           absoluteTolerance, relativeTolerance)
        }
        let x = gsl_min_fminimizer_x_minimum(s)
        let converged = status == Int32(GSL_SUCCESS)
        return MinimizationResult(argmin: [x], minimum: gsl_min_fminimizer_f_minimum(s), iterations: iter,
                                  termination: converged ? .converged : .iterationLimit,
                                  message: converged ? "converged" : "iteration limit \(maxIterations) reached")
    }

    /// Evaluates `f` on `gridPoints` interior points of (lower, upper), then
    /// polishes the best one with Brent. Robust to multimodal edges; the grid
    /// only seeds the search, the answer comes from the continuous objective.
    ///
    /// Ends `.boundary` when f keeps falling towards a bound until the step is
    /// negligible. Where f diverges at a bound, rounding can instead turn f up just
    /// inside it and Brent then "converges" there; `isNearBound` lets a caller that
    /// can certify an optimum (a Newton step on an analytic score) tell the two apart.
    public static func minimizeOnInterval(_ f: @escaping (Double) -> Double, lower: Double, upper: Double,
                                          gridPoints: Int = 41, absoluteTolerance: Double = 1e-10,
                                          relativeTolerance: Double = 1e-7,
                                          maxIterations: Int = 200,
                                          screen: ((Double) -> ScreenedValue?)? = nil) throws -> MinimizationResult {
        guard lower < upper else { throw NumericsError("Brent: empty interval (\(lower), \(upper))") }
        let h = (upper - lower) / Double(gridPoints + 1)
        var bestI = 1
        var bestF = Double.infinity
        // With a screen, f is evaluated only at the grid points that can still be the minimum:
        // a point whose screened value minus its bound exceeds some point's value plus bound is
        // strictly worse than that point in f too, so the first minimiser of f over the whole grid
        // (and its value) is found among the others, exactly as evaluating f everywhere finds it.
        let screened = screen.map { s in (1...gridPoints).map { i in s(lower + Double(i) * h).flatMap { $0.value.isFinite ? $0 : nil } } }
        let ceiling = screened?.compactMap { $0.map { $0.value + $0.bound } }.min() ?? .infinity
        for i in 1...gridPoints {
            if let s = screened?[i - 1], s.value - s.bound > ceiling { continue }
            let v = f(lower + Double(i) * h)
            let value = v.isNaN ? Double.infinity : v
            if value < bestF { bestF = value; bestI = i }
        }
        guard bestF.isFinite else { throw NumericsError("Brent: objective is not finite anywhere on the interval") }
        let a = lower + Double(bestI - 1) * h
        let b = lower + Double(bestI + 1) * h
        var guess = lower + Double(bestI) * h
        var lo = a, hi = b
        var fGuess = bestF
        // An edge grid point may hide a minimum between it and the open bound
        // (the Lee–Yu objective stays finite as ρ → 1, so this happens near a
        // bound): walk towards the bound in geometrically shrinking steps until
        // f turns up again, which gives an interior bracket, or until the step
        // is negligible, which means the minimum really is on the boundary.
        if bestI == 1 || bestI == gridPoints {
            let bound = bestI == 1 ? lower : upper
            let direction: Double = bestI == 1 ? -1 : 1
            var inner = bestI == 1 ? b : a
            var step = h / 2
            var bracketed = false
            while step > 1e-12 * (upper - lower) {
                let x = guess + direction * step
                let v = f(x)
                if !(v < fGuess) { bracketed = true; if direction > 0 { hi = x } else { lo = x }; break }
                inner = guess
                guess = x
                fGuess = v
                step = min(step, abs(bound - guess)) / 2
            }
            if !bracketed {
                return MinimizationResult(argmin: [guess], minimum: fGuess, iterations: gridPoints,
                                          termination: .boundary, message: "minimum on the boundary of the parameter space")
            }
            if direction > 0 { lo = inner } else { hi = inner }
        }
        do {
            return try minimize(f, lower: lo, upper: hi, guess: guess, absoluteTolerance: absoluteTolerance,
                                relativeTolerance: relativeTolerance, maxIterations: maxIterations)
        } catch let error as GSLError where error.code == Int32(GSL_EINVAL) {
            // GSL's Brent needs f(guess) strictly below both ends; a neighbouring grid point that ties
            // the best one (a stretch flat to rounding, e.g. a profile likelihood far out on a ridge)
            // breaks that. Golden-section search needs no strict bracket: it shrinks [lo, hi] by the
            // same tolerances, keeping the lowest value seen (never worse than the grid's best).
            return goldenSection(f, lower: lo, upper: hi, guess: guess, fGuess: fGuess, absoluteTolerance: absoluteTolerance,
                                 relativeTolerance: relativeTolerance, maxIterations: maxIterations)
        }
    }

    /// Golden-section search on [lower, upper] from a known point (`guess`, `fGuess`): the fallback
    /// of `minimizeOnInterval` when the grid's bracket does not enclose a strict minimum.
    static func goldenSection(_ f: (Double) -> Double, lower: Double, upper: Double, guess: Double, fGuess: Double,
                              absoluteTolerance: Double, relativeTolerance: Double, maxIterations: Int) -> MinimizationResult {
        let r = (sqrt(5.0) - 1) / 2
        var a = lower, b = upper
        var bestX = guess, bestF = fGuess
        func value(_ x: Double) -> Double {
            let v = f(x)
            let w = v.isNaN ? Double.infinity : v
            if w < bestF { bestF = w; bestX = x }
            return w
        }
        var c = b - r * (b - a), d = a + r * (b - a)
        var fc = value(c), fd = value(d)
        var iterations = 0
        while b - a > absoluteTolerance + relativeTolerance * abs(bestX), iterations < maxIterations {
            iterations += 1
            if fc <= fd {
                b = d; d = c; fd = fc
                c = b - r * (b - a); fc = value(c)
            } else {
                a = c; c = d; fc = fd
                d = a + r * (b - a); fd = value(d)
            }
        }
        let converged = b - a <= absoluteTolerance + relativeTolerance * abs(bestX)
        return MinimizationResult(argmin: [bestX], minimum: bestF, iterations: iterations,
                                  termination: converged ? .converged : .iterationLimit,
                                  message: converged ? "golden-section search (the grid's neighbours tie its best point)"
                                                     : "golden-section search reached its iteration limit")
    }

    /// True when `x` lies within twice Brent's stopping tolerance of a bound, so that its
    /// final bracket may touch the bound and the search alone cannot tell an interior
    /// optimum from a boundary one.
    public static func isNearBound(_ x: Double, lower: Double, upper: Double,
                                   absoluteTolerance: Double, relativeTolerance: Double = 1e-7) -> Bool {
        let reach = 2 * (absoluteTolerance + relativeTolerance * abs(x))
        return x - lower <= reach || upper - x <= reach
    }
}

/// Nelder–Mead simplex minimiser (GSL `gsl_multimin_fminimizer_nmsimplex2`).
public enum NelderMead {
    public static func minimize(_ f: @escaping ([Double]) -> Double, start: [Double], stepSizes: [Double]? = nil,
                                sizeTolerance: Double = 1e-8, maxIterations: Int = 5000) throws -> MinimizationResult {
        NumericsRuntime.ensureInitialised()
        let n = start.count
        guard n > 0 else { throw NumericsError("Nelder–Mead needs at least one parameter") }
        let box = VectorFunctionBox(f, n: n)
        let ctx = Unmanaged.passRetained(box)
        defer { ctx.release() }
        // On the heap: GSL keeps this pointer from `set` through every `iterate`.
        let fn = UnsafeMutablePointer<gsl_multimin_function>.allocate(capacity: 1)
        defer { fn.deinitialize(count: 1); fn.deallocate() }
        fn.initialize(to: gsl_multimin_function(f: { v, p in
            let b = Unmanaged<VectorFunctionBox>.fromOpaque(p!).takeUnretainedValue()
            var x = [Double](repeating: 0, count: b.n)
            for i in 0..<b.n { x[i] = gsl_vector_get(v, i) }
            let r = b.f(x)
            return r.isNaN ? Double.infinity : r
        }, n: n, params: ctx.toOpaque()))
        let x0 = try gslAllocated("gsl_vector_alloc", gsl_vector_alloc(n))
        defer { gsl_vector_free(x0) }
        let ss = try gslAllocated("gsl_vector_alloc", gsl_vector_alloc(n))
        defer { gsl_vector_free(ss) }
        for i in 0..<n {
            gsl_vector_set(x0, i, start[i])
            gsl_vector_set(ss, i, stepSizes?[i] ?? max(0.1, abs(start[i]) * 0.1))
        }
        let s = try gslAllocated("gsl_multimin_fminimizer_alloc", gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n))
        defer { gsl_multimin_fminimizer_free(s) }
        try gslCheck("gsl_multimin_fminimizer_set", gsl_multimin_fminimizer_set(s, fn, x0, ss))
        var iter = 0
        var status = Int32(GSL_CONTINUE)
        var stalled = false
        while status == Int32(GSL_CONTINUE) && iter < maxIterations {
            iter += 1
            let st = gsl_multimin_fminimizer_iterate(s)
            if st != Int32(GSL_SUCCESS) { stalled = true; break }
            status = gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), sizeTolerance)
        }
        var x = [Double](repeating: 0, count: n)
        for i in 0..<n { x[i] = gsl_vector_get(s.pointee.x, i) }
        let termination: SearchTermination =
            status == Int32(GSL_SUCCESS) ? .converged : (stalled ? .searchFailed : .iterationLimit)
        let message: String
        switch termination {
        case .converged: message = "converged"
        case .searchFailed: message = "the simplex could not make progress (GSL status at iteration \(iter))"
        default: message = "simplex did not shrink below \(sizeTolerance) in \(maxIterations) iterations"
        }
        return MinimizationResult(argmin: x, minimum: s.pointee.fval, iterations: iter, termination: termination,
                                  message: message)
    }
}
