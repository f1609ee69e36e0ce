import CGSL
import Foundation

/// Adaptive Gauss–Kronrod quadrature (GSL QAGP: 21-point rules, bisection of the
/// subinterval with the largest error estimate, Wynn-ε extrapolation).
public enum Quadrature {
    /// A definite integral and GSL's estimate of its absolute error.
    public struct Result: Sendable {
        public let value: Double
        public let absoluteError: Double
        public let intervals: Int
    }

    /// ∫ f over [points.first, points.last], with the interior `points` as known
    /// breakpoints (where f peaks or changes character): each starts a subinterval, so
    /// a narrow peak at a breakpoint cannot fall between the rule's nodes.
    /// The rule never evaluates f at the ends, so f may be singular there.
    /// - Parameters:
    ///   - relativeTolerance: 1e-10 by default: far below any use of the integral here
    ///     (posterior probabilities), and reachable for smooth integrands in a few dozen intervals.
    public static func integrate(_ f: @escaping (Double) -> Double, breakpoints points: [Double],
                                 absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-10,
                                 maxIntervals: Int = 1000) throws -> Result {
        NumericsRuntime.ensureInitialised()
        guard points.count >= 2, zip(points, points.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw NumericsError("quadrature: breakpoints must be at least two increasing values, got \(points)")
        }
        let fn = GSLFunction(f)
        defer { withExtendedLifetime(fn) {} }
        let ws = try gslAllocated("gsl_integration_workspace_alloc", gsl_integration_workspace_alloc(maxIntervals))
        defer { gsl_integration_workspace_free(ws) }
        var pts = points
        var value = 0.0, error = 0.0
        try gslCheck("gsl_integration_qagp", gsl_integration_qagp(fn.pointer, &pts, pts.count, absoluteTolerance, relativeTolerance,
                                                                  maxIntervals, ws, &value, &error))
        return Result(value: value, absoluteError: error, intervals: ws.pointee.size)
    }
}
