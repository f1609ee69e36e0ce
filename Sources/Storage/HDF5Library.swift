import CHDF5

/// Library-wide HDF5 facts and one-time set-up.
///
/// HDF5's automatic error printing is switched off so that failures come back
/// as `HDF5Error` values instead of stack dumps on stderr. Debian's HDF5 is a
/// thread-safe build, whose error stack — and with it the printing switch — is
/// per thread, so `ensureInitialised()` switches printing off once on each
/// thread that calls into Storage (every Storage entry point calls it).
public enum HDF5Library {
    private static let opened: Bool = {
        H5open()
        return true
    }()

    /// Idempotent and cheap: a thread-local flag check after the first call on a thread.
    public static func ensureInitialised() {
        _ = opened
        spill_H5_silence_errors_on_this_thread()
    }

    /// The linked library's version, e.g. "1.10.8" (printed by `spillsim doctor`).
    public static var version: String {
        ensureInitialised()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }

    /// Whether HDF5 would print errors to stderr on the calling thread (false after `ensureInitialised()`).
    public static var errorPrintingIsOnForThisThread: Bool {
        spill_H5_error_printing_is_on() != 0
    }
}
