/// The version of swiftopt (semantic versioning); the C header's
/// SWIFTOPT_VERSION_* macros must agree (checked by the C tests).
public enum Version {
    public static let major = 0
    public static let minor = 1
    public static let patch = 0
    /// major * 10000 + minor * 100 + patch.
    public static let number = major * 10000 + minor * 100 + patch
    /// "major.minor.patch".
    public static let string = "\(major).\(minor).\(patch)"
}
