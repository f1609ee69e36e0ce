import ArgumentParser

/// Refuses column lists that make a regression meaningless before any data is read:
/// the outcome (or treatment) among the regressors — a perfect fit whose standard
/// errors are rounding noise — a column listed twice, or the id/time column as a regressor.
func checkColumnRoles(outcome: (option: String, column: String), regressors: [String], regressorOption: String,
                      keys: [(option: String, column: String)] = []) throws {
    if regressors.contains(outcome.column) {
        throw ValidationError("\(outcome.option) \(outcome.column) is also listed in \(regressorOption); a column cannot explain itself — remove it from \(regressorOption)")
    }
    var seen = Set<String>()
    for r in regressors where !seen.insert(r).inserted {
        throw ValidationError("\(regressorOption) lists \(r) twice; give each column once")
    }
    for k in keys where regressors.contains(k.column) {
        throw ValidationError("\(k.option) \(k.column) is also listed in \(regressorOption); the \(k.option.dropFirst(2)) column identifies observations and cannot be a regressor")
    }
}
