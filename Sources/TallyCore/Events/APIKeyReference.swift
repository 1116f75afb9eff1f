/// How an event names the provider API key it used: an id or fingerprint, never the secret.
///
/// A value that looks like a whole secret key (`sk-...`, `sk-ant-...`, `AIza...`, `xai-...`,
/// a long random string) is replaced by a fingerprint before anything is stored, so a
/// workflow that passes the key by mistake does not leak it into the ledger.
public enum APIKeyReference {
    /// Prefixes of provider secret keys.
    static let secretPrefixes = ["sk-", "sk_", "sk-ant-", "sk-or-", "sk-proj-", "AIza", "xai-", "gsk_", "pplx-", "r8_", "hf_", "AKIA"]

    /// Whether `value` looks like a secret key rather than an id.
    public static func looksLikeSecret(_ value: String) -> Bool {
        if secretPrefixes.contains(where: { value.hasPrefix($0) }) && value.count >= 20 { return true }
        // A long unbroken run of letters and digits is a credential, not a name.
        let alphanumeric = value.unicodeScalars.filter { CharacterSetASCII.isAlphanumeric($0) }.count
        return value.count >= 32 && alphanumeric == value.count
    }
}

enum CharacterSetASCII {
    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
