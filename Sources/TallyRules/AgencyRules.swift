#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TallyCore
import TallyJSON

/// One agency's rules: the version serving now, reloads that never replace it with a broken
/// one, the history of loaded versions, and dry runs.
///
/// An actor, because its ``RuleRuntime`` (a Lua state) must never be used from two threads at
/// once: the actor is the one serial executor per agency. Every call is synchronous inside the
/// actor and short (microseconds for `attribute`, milliseconds for a reload); batch with
/// ``attribute(events:)`` to pay the actor hop once per batch.
public actor AgencyRules {
    /// Versions kept in ``RuleSetStatus/history``.
    public static let historyLimit = 50

    public nonisolated let agency: String
    /// The agency's own rule folder, e.g. `rules/acme`.
    public nonisolated let directory: String
    /// Used while ``directory`` does not exist, e.g. `rules/default`.
    public nonisolated let fallbackDirectory: String?
    public nonisolated let limits: RuleLimits

    private let logger: Logger
    private var runtime: RuleRuntime?
    private var servingDirectory: String?
    private var lastFailure: RuleLoadFailure?
    private var history: [RuleVersionRecord]

    /// Loads the rules from `directory` (or `fallbackDirectory` while `directory` does not
    /// exist). A failed first load is recorded in ``status()``; calls then fail with
    /// ``RuleError/Kind/unavailable`` until a reload succeeds.
    public init(agency: String, directory: String, fallbackDirectory: String? = nil, limits: RuleLimits = .default, logger: Logger = Logger(label: "tally.rules")) {
        var logger = logger
        logger[metadataKey: "agency"] = "\(agency)"
        let folder = Self.existingDirectory(directory, fallback: fallbackDirectory)
        let attempt = Self.compile(directory: folder, fallback: fallbackDirectory, limits: limits, logger: logger)
        self.agency = agency
        self.directory = directory
        self.fallbackDirectory = fallbackDirectory
        self.limits = limits
        self.logger = logger
        switch attempt {
        case .success(let loaded):
            self.runtime = loaded
            self.servingDirectory = folder
            self.lastFailure = nil
            self.history = [RuleVersionRecord(version: loaded.version, loadedAt: Date(), files: loaded.source.fileNames, directory: folder)]
            logger.info("rules loaded", metadata: ["rules.version": "\(loaded.version.short)", "rules.directory": "\(folder)"])
        case .failure(let failure):
            self.runtime = nil
            self.servingDirectory = nil
            self.lastFailure = failure
            self.history = []
            logger.error("rules failed to load", metadata: ["rules.error": "\(failure.error)", "rules.directory": "\(folder)"])
        }
    }

    // MARK: Serving

    /// The version serving now, nil if none ever loaded.
    public var version: RuleVersion? { runtime?.version }

    /// Attributes one event with the serving version. See ``RuleRuntime/attribute(_:)``.
    public func attribute(_ event: JSONValue) throws(RuleError) -> Attribution {
        try serving().attribute(event)
    }

    /// Attributes a batch in one actor hop; each event succeeds or fails on its own. Also
    /// returns the version that produced the results, to stamp on the ledger entries.
    public func attribute(events: [JSONValue]) -> (version: RuleVersion?, results: [Result<Attribution, RuleError>]) {
        attributeBatch(count: events.count, id: { events[$0]["id"]?.stringValue }) { (runtime, index) throws(RuleError) in
            try runtime.attribute(events[index])
        }
    }

    /// Attributes a batch of validated events, ingest's path (see ``RuleRuntime/attribute(at:)``).
    public func attribute(events: [UsageEvent]) -> (version: RuleVersion?, results: [Result<Attribution, RuleError>]) {
        events.withUnsafeBufferPointer { events in
            attributeBatch(count: events.count, id: { events[$0].id }) { (runtime, index) throws(RuleError) in
                try runtime.attribute(at: events.baseAddress! + index)
            }
        }
    }

    /// Attributes a batch of typed events (see ``RuleArgument``): no `JSONValue` is built per event.
    public func attribute<Event: RuleArgument & Sendable>(events: [Event]) -> (version: RuleVersion?, results: [Result<Attribution, RuleError>]) {
        attributeBatch(count: events.count, id: { events[$0].ruleArgumentID }) { (runtime, index) throws(RuleError) in
            try runtime.attribute(events[index])
        }
    }

    /// Runs `attribute` on events `0..<count` with the serving version; when none ever loaded,
    /// fails each with `unavailable`, naming the event by `id`.
    private func attributeBatch(
        count: Int, id: (Int) -> String?, attribute: (RuleRuntime, Int) throws(RuleError) -> Attribution
    ) -> (version: RuleVersion?, results: [Result<Attribution, RuleError>]) {
        guard let runtime else {
            let error = unavailable()
            return (nil, (0..<count).map { index in
                var error = error
                error.eventID = id(index)
                return .failure(error)
            })
        }
        return (runtime.version, (0..<count).map { index in Result { () throws(RuleError) -> Attribution in try attribute(runtime, index) } })
    }

    /// Runs `on_spend(status)` from `alerts.lua`; no alerts when the set has none.
    public func onSpend(_ status: JSONValue) throws(RuleError) -> [RuleAlert] {
        try serving().onSpend(status)
    }

    // MARK: Reload

    /// Reads the folder again and, if its content changed, compiles and smoke-tests it in a new
    /// state. Only a version that passes replaces the serving one; otherwise the failure (file,
    /// line, message) is recorded and the old version keeps serving.
    @discardableResult
    public func reload() -> RuleReloadOutcome {
        let folder = Self.existingDirectory(directory, fallback: fallbackDirectory)
        let source: RuleSetSource
        do {
            source = try Self.loadSource(folder, fallback: fallbackDirectory, limits: limits)
        } catch {
            return refuse(RuleLoadFailure(error: error, attemptedAt: Date(), attemptedVersion: nil))
        }
        if let runtime, runtime.version == source.version, servingDirectory == folder {
            return .unchanged(runtime.version)
        }
        return install(source, from: folder)
    }

    /// Validates `text` as `file` of this agency's set, writes it to the agency's folder
    /// (atomically, creating the folder from the serving files if it does not exist yet), and
    /// reloads. Nothing is written when the new set does not validate.
    @discardableResult
    public func put(file: String, text: String) -> RuleReloadOutcome {
        let candidate = baseSource().replacing(file, with: text)
        switch RuleSets.validate(candidate, limits: limits) {
        case .failure(let error):
            return refuse(RuleLoadFailure(error: error, attemptedAt: Date(), attemptedVersion: candidate.version))
        case .success:
            break
        }
        do {
            try write(candidate, changed: file)
        } catch {
            return refuse(RuleLoadFailure(error: error, attemptedAt: Date(), attemptedVersion: candidate.version))
        }
        return reload()
    }

    // MARK: Dry runs

    /// Validates `text` as `file` (default `attribution.lua`) together with the serving set's
    /// other files (its lookup tables), without storing anything.
    public func validate(source text: String, file: String = RuleSetSource.attributionFile) -> Result<RuleVersion, RuleError> {
        RuleSets.validate(baseSource().replacing(file, with: text), limits: limits)
    }

    /// Attributes `events` in a private state, with `text` as `file` if given, else with the
    /// serving version. The serving state is not touched (its module data stays as it was).
    public func test(events: [JSONValue], source text: String? = nil, file: String = RuleSetSource.attributionFile) -> Result<RuleTestReport, RuleError> {
        var source = baseSource()
        if let text { source = source.replacing(file, with: text) }
        return RuleSets.test(events: events, source: source, limits: limits)
    }

    /// The serving version, the last failure, and the history.
    public func status() -> RuleSetStatus {
        RuleSetStatus(agency: agency, current: runtime == nil ? nil : history.last, lastFailure: lastFailure, history: history, hasAlerts: runtime?.hasAlerts ?? false)
    }

    // MARK: Private

    private func serving() throws(RuleError) -> RuleRuntime {
        guard let runtime else { throw unavailable() }
        return runtime
    }

    private func unavailable() -> RuleError {
        let reason = lastFailure.map { ": \($0.error)" } ?? ""
        return RuleError(kind: .unavailable, message: "no rules loaded for agency '\(agency)'\(reason)")
    }

    /// The serving files, or the folder's, or an empty set: what validate/test/put start from.
    private func baseSource() -> RuleSetSource {
        if let runtime { return runtime.source }
        let folder = Self.existingDirectory(directory, fallback: fallbackDirectory)
        return (try? Self.loadSource(folder, fallback: fallbackDirectory, limits: limits)) ?? RuleSetSource(files: [:])
    }

    private func install(_ source: RuleSetSource, from folder: String?) -> RuleReloadOutcome {
        let previous = runtime?.version
        do {
            let loaded = try RuleRuntime(source: source, limits: limits, logger: logger)
            runtime = loaded
            servingDirectory = folder
            lastFailure = nil
            let record = RuleVersionRecord(version: loaded.version, loadedAt: Date(), files: source.fileNames, directory: folder)
            history.append(record)
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
            logger.info("rules loaded", metadata: ["rules.version": "\(loaded.version.short)", "rules.previous": "\(previous?.short ?? "none")"])
            return .loaded(record, previous: previous)
        } catch {
            return refuse(RuleLoadFailure(error: error, attemptedAt: Date(), attemptedVersion: source.version))
        }
    }

    private func refuse(_ failure: RuleLoadFailure) -> RuleReloadOutcome {
        lastFailure = failure
        logger.error(
            "rules refused; the previous version keeps serving",
            metadata: ["rules.error": "\(failure.error)", "rules.serving": "\(runtime?.version.short ?? "none")"])
        return .failed(failure, serving: runtime?.version)
    }

    private func write(_ source: RuleSetSource, changed file: String) throws(RuleError) {
        let manager = FileManager.default
        do {
            if !manager.fileExists(atPath: directory) {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
                for name in source.fileNames where name != file {
                    try Data(source.files[name]!.utf8).write(to: URL(filePath: directory).appending(path: name), options: .atomic)
                }
            }
            try Data((source.files[file] ?? "").utf8).write(to: URL(filePath: directory).appending(path: file), options: .atomic)
        } catch {
            throw RuleError(kind: .unavailable, message: "cannot write the rule file: \(error)", file: file)
        }
    }

    private static func existingDirectory(_ directory: String, fallback: String?) -> String {
        guard let fallback, !FileManager.default.fileExists(atPath: directory) else { return directory }
        return fallback
    }

    /// The folder's files; Lua files it lacks come from the fallback folder (the shipped default).
    private static func loadSource(_ folder: String, fallback: String?, limits: RuleLimits) throws(RuleError) -> RuleSetSource {
        try RuleSetSource.load(directory: folder, inheritingFrom: fallback, maximumFileSize: limits.maximumFileSize)
    }

    private static func compile(directory: String, fallback: String?, limits: RuleLimits, logger: Logger) -> Result<RuleRuntime, RuleLoadFailure> {
        var attempted: RuleVersion?
        do throws(RuleError) {
            let source = try loadSource(directory, fallback: fallback, limits: limits)
            attempted = source.version
            return .success(try RuleRuntime(source: source, limits: limits, logger: logger))
        } catch {
            return .failure(RuleLoadFailure(error: error, attemptedAt: Date(), attemptedVersion: attempted))
        }
    }
}

extension RuleLoadFailure: Error {}
