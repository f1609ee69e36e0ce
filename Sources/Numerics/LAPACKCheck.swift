/// Converts LAPACK's `info` into a `LAPACKError`, as `gslCheck` does for GSL: a
/// negative value is an illegal argument (a bug in the caller), a positive one the
/// routine's own failure, described by `failure` (e.g. the leading minor that is
/// not positive definite).
@inline(__always)
func lapackCheck(_ function: String, _ info: Int32, failure: (Int32) -> String = { _ in "failed" }) throws {
    if info < 0 { throw LAPACKError(function: function, info: info, message: "illegal argument \(-info)") }
    if info > 0 { throw LAPACKError(function: function, info: info, message: failure(info)) }
}
