import Crypto
import Foundation

/// A bearer token: shown once at creation, stored only as its SHA-256 digest.
///
/// Tokens carry 256 bits of randomness, so a plain SHA-256 is enough: there is nothing to
/// brute-force, and lookup by digest needs no per-token salt.
public enum TokenSecret {
    /// The prefix every Tally token starts with, so leaked tokens are easy to recognise and scan for.
    public static let prefix = "tly_"

    /// A new random token: `tly_` then 43 base64url characters.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + base64URL(bytes)
    }

    /// A short random id for a token record (safe to show and log).
    public static func generateID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "tok_" + (0..<6).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// The digest under which a token is stored.
    public static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
