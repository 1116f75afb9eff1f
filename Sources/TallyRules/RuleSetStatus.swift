#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TallyJSON

/// One version of a rule set that was loaded and put into service.
public struct RuleVersionRecord: Sendable, Hashable {
    public var version: RuleVersion
    public var loadedAt: Date
    /// The files of the set, in load order.
    public var files: [String]
    /// The folder it was read from (nil when installed from memory).
    public var directory: String?

    public init(version: RuleVersion, loadedAt: Date, files: [String], directory: String?) {
        self.version = version
        self.loadedAt = loadedAt
        self.files = files
        self.directory = directory
    }

    /// `{"version", "sha256", "loaded_at", "files", "directory"}`.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "version": .string(version.short),
            "sha256": .string(version.sha256),
            "loaded_at": .string(loadedAt.formatted(.iso8601)),
            "files": .array(files.map { .string($0) }),
        ]
        if let directory { members["directory"] = .string(directory) }
        return .object(members)
    }
}

/// A reload that did not replace the serving version.
public struct RuleLoadFailure: Sendable, Hashable {
    public var error: RuleError
    public var attemptedAt: Date
    /// The version of the files that failed, when they could be read.
    public var attemptedVersion: RuleVersion?

    public init(error: RuleError, attemptedAt: Date, attemptedVersion: RuleVersion?) {
        self.error = error
        self.attemptedAt = attemptedAt
        self.attemptedVersion = attemptedVersion
    }

    /// `{"error": {...}, "attempted_at", "attempted_version"}`.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["error": error.jsonValue, "attempted_at": .string(attemptedAt.formatted(.iso8601))]
        if let attemptedVersion { members["attempted_version"] = .string(attemptedVersion.short) }
        return .object(members)
    }
}

/// What a reload did.
public enum RuleReloadOutcome: Sendable, Hashable {
    /// A new version is serving.
    case loaded(RuleVersionRecord, previous: RuleVersion?)
    /// The files hash to the serving version; nothing was recompiled.
    case unchanged(RuleVersion)
    /// The new files were refused; `serving` (if any) keeps serving.
    case failed(RuleLoadFailure, serving: RuleVersion?)

    /// The version serving after the reload.
    public var serving: RuleVersion? {
        switch self {
        case .loaded(let record, _): record.version
        case .unchanged(let version): version
        case .failed(_, let serving): serving
        }
    }

    public var jsonValue: JSONValue {
        switch self {
        case .loaded(let record, let previous):
            var members: [String: JSONValue] = ["outcome": "loaded", "current": record.jsonValue]
            if let previous { members["previous_version"] = .string(previous.short) }
            return .object(members)
        case .unchanged(let version):
            return ["outcome": "unchanged", "version": .string(version.short)]
        case .failed(let failure, let serving):
            var members: [String: JSONValue] = ["outcome": "failed", "failure": failure.jsonValue]
            if let serving { members["serving_version"] = .string(serving.short) }
            return .object(members)
        }
    }
}

/// Everything `rules.list` shows about one agency's rules.
public struct RuleSetStatus: Sendable, Hashable {
    public var agency: String
    /// The serving version, nil if no version ever loaded.
    public var current: RuleVersionRecord?
    /// The last failed load since the last successful one.
    public var lastFailure: RuleLoadFailure?
    /// Loaded versions, oldest first (at most ``AgencyRules/historyLimit``).
    public var history: [RuleVersionRecord]
    public var hasAlerts: Bool

    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "agency": .string(agency),
            "history": .array(history.map(\.jsonValue)),
            "has_alerts": .bool(hasAlerts),
        ]
        members["current"] = current?.jsonValue ?? .null
        members["last_failure"] = lastFailure?.jsonValue ?? .null
        return .object(members)
    }
}
