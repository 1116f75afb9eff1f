/// The version of this build, reported by `session.hello`, `health.check` and `tally --version`.
public enum TallyVersion {
    public static let current = "0.1.0"
}
