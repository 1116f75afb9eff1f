import Crypto

/// A stable, non-reversible name for a secret: `fp:` and the first 16 hex digits of its SHA-256.
///
/// Used when an event carries what looks like a whole provider API key: the key is never stored,
/// but events made with the same key still group together.
public enum SecretFingerprint {
    public static func of(_ secret: String) -> String {
        "fp:" + SHA256.hash(data: Array(secret.utf8)).prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
