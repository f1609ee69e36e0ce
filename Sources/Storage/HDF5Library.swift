import CHDF5

/// Library-wide HDF5 facts and one-time set-up.
public enum HDF5Library {
    private static let initialised: Bool = {
        H5open()
        // Errors come back as HDF5Error values; HDF5's own stderr printing is switched off.
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        return true
    }()

    public static func ensureInitialised() { _ = initialised }

    public static var version: String {
        ensureInitialised()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}
