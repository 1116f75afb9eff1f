import Foundation
import Crypto
import TallyCore

/// The `X-Tally-Signature` header: proof that a POST came from Tally and was not replayed late.
///
/// Stripe-style: `X-Tally-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
/// The receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes (before any
/// JSON parsing), compares in constant time, and rejects timestamps far from its clock (5 minutes
/// is usual) so that a captured request cannot be replayed later. Each retry is signed anew with
/// its own `t`; the body and `X-Tally-Delivery` stay the same, so receivers deduplicate on the
/// delivery id (delivery is at least once). See `docs/webhooks.md` for a Python check.
public enum WebhookSignature {
    public static let signatureHeader = "X-Tally-Signature"
    public static let deliveryHeader = "X-Tally-Delivery"
    public static let eventHeader = "X-Tally-Event"

    /// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
    public static func hmacHex(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// The header value, `t=<timestamp>,v1=<hex>`.
    public static func header(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(hmacHex(secret: secret, timestamp: timestamp, body: body))"
    }

    /// Checks a header value the way a receiver should: a `v1` matching the body and a `t` within
    /// `tolerance` seconds of `now`. Tally itself uses it only in tests; it documents the contract.
    public static func verify(header: String, body: [UInt8], secret: String, now: Int64, toleranceSeconds: Int64 = 300) -> Bool {
        var timestamp: Int64?
        var candidates: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) }
            if pair[0] == "v1" { candidates.append(pair[1]) }
        }
        guard let timestamp, abs(now - timestamp) <= toleranceSeconds else { return false }
        let expected = Array(hmacHex(secret: secret, timestamp: timestamp, body: body).utf8)
        return candidates.contains { constantTimeEqual(Array($0.utf8), expected) }
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
