import Logging
import Synchronization

/// Every agency's ``AgencyRules``, created on first use from `<root>/<agency>/` (or
/// `<root>/default/` while the agency has no folder of its own).
///
/// Thread-safe: the map is behind a `Mutex`, and each ``AgencyRules`` is an actor.
public final class RuleSetRegistry: Sendable {
    /// The folder holding one subfolder per agency, e.g. `rules`.
    public let root: String
    public let limits: RuleLimits
    /// The folder used by agencies without their own (`default`).
    public static let defaultAgency = "default"

    private let logger: Logger
    private let agencies = Mutex<[String: AgencyRules]>([:])

    public init(root: String, limits: RuleLimits = .default, logger: Logger = Logger(label: "tally.rules")) {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
        self.limits = limits
        self.logger = logger
    }

    /// Agency names are folder names: lowercase letters, digits, '-' and '_', starting with a
    /// letter or digit, at most 64 bytes (so no '..', no '/').
    public static func isValidAgencyName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64 else { return false }
        func allowed(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        return first != UInt8(ascii: "-") && first != UInt8(ascii: "_") && name.utf8.allSatisfy(allowed)
    }

    /// The folder an agency's own rules live in.
    public func directory(for agency: String) -> String { root + "/" + agency }

    /// The agency's rules, loading them on first use (a failed first load is reported by
    /// ``AgencyRules/status()``, and calls fail with ``RuleError/Kind/unavailable``).
    public func rules(for agency: String) throws(RuleError) -> AgencyRules {
        guard Self.isValidAgencyName(agency) else {
            throw RuleError(kind: .unavailable, message: "invalid agency name '\(agency.prefix(80))'")
        }
        if let existing = agencies.withLock({ $0[agency] }) { return existing }
        // Compile outside the lock (milliseconds); if another caller won the race, use theirs.
        let fallback = agency == Self.defaultAgency ? nil : directory(for: Self.defaultAgency)
        let created = AgencyRules(agency: agency, directory: directory(for: agency), fallbackDirectory: fallback, limits: limits, logger: logger)
        return agencies.withLock { map in
            if let existing = map[agency] { return existing }
            map[agency] = created
            return created
        }
    }

    /// Agencies whose rules have been loaded so far.
    public func loadedAgencies() -> [String] {
        agencies.withLock { Array($0.keys) }.sorted()
    }

    /// Reloads every loaded agency (e.g. on SIGHUP or `rules.reload` without an agency).
    public func reloadAll() async -> [String: RuleReloadOutcome] {
        let loaded = agencies.withLock { $0 }
        var outcomes: [String: RuleReloadOutcome] = [:]
        for (agency, rules) in loaded {
            outcomes[agency] = await rules.reload()
        }
        return outcomes
    }
}
