import Crypto

/// Which content a rule set was loaded from: the SHA-256 of all its files.
///
/// Ledger entries are stamped with it, so a replay can tell which rules produced an entry.
/// It depends on the files' names and bytes only, never on when or where they were read.
public struct RuleVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let sha256: String

    public init(sha256: String) {
        self.sha256 = sha256
    }

    /// The first 12 hex digits: what logs, stamps and the API show.
    public var short: String { String(sha256.prefix(12)) }

    public var description: String { short }

    public static func < (lhs: RuleVersion, rhs: RuleVersion) -> Bool { lhs.sha256 < rhs.sha256 }

    /// Hashes files in name order, each framed as `name NUL byte-count NUL bytes`, so that
    /// moving bytes between files or renaming one changes the hash.
    static func of(files: [String: String]) -> RuleVersion {
        var hasher = SHA256()
        for name in files.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let content = files[name]!
            hasher.update(data: Array(name.utf8))
            hasher.update(data: [0])
            hasher.update(data: Array(String(content.utf8.count).utf8))
            hasher.update(data: [0])
            hasher.update(data: Array(content.utf8))
        }
        let hex = hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]], as: UTF8.self)
        }.joined()
        return RuleVersion(sha256: hex)
    }
}
