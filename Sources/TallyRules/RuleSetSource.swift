#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The files of one rule set, as text: `attribution.lua` (required), `alerts.lua` (optional)
/// and `<name>.json` lookup tables, readable by scripts as `tally.lookup(name, key)`.
///
/// A value type with no file handles: read it from a folder with ``load(directory:maximumFileSize:)``
/// or build it from strings (for `rules.validate` and `rules.test`). Its ``version`` is the
/// SHA-256 of the files' names and contents.
public struct RuleSetSource: Sendable, Hashable {
    public static let attributionFile = "attribution.lua"
    public static let alertsFile = "alerts.lua"

    /// File name to content.
    public let files: [String: String]
    /// The SHA-256 of ``files``.
    public let version: RuleVersion

    public init(files: [String: String]) {
        self.files = files
        self.version = RuleVersion.of(files: files)
    }

    /// A set from its parts; lookup tables are keyed by name without `.json`.
    public init(attribution: String, alerts: String? = nil, lookups: [String: String] = [:]) {
        var files = [Self.attributionFile: attribution]
        if let alerts { files[Self.alertsFile] = alerts }
        for (name, text) in lookups { files[name + ".json"] = text }
        self.init(files: files)
    }

    /// File names in a stable order (the order they are hashed and loaded in).
    public var fileNames: [String] {
        files.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The same set with one file replaced (or removed, with `nil`).
    public func replacing(_ name: String, with text: String?) -> RuleSetSource {
        var files = self.files
        files[name] = text
        return RuleSetSource(files: files)
    }

    /// Whether `name` is a file a rule set may hold; other files in the folder (a README) are ignored.
    public static func isRuleFile(_ name: String) -> Bool {
        name == attributionFile || name == alertsFile || lookupName(of: name) != nil
    }

    /// `instances` for `instances.json`; `nil` for anything that is not a lookup file name.
    static func lookupName(of fileName: String) -> String? {
        guard fileName.hasSuffix(".json") else { return nil }
        let stem = fileName.dropLast(5)
        guard !stem.isEmpty, stem.utf8.count <= 64,
            stem.utf8.allSatisfy({ byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            })
        else { return nil }
        return String(stem)
    }

    /// Reads the rule files of one folder (not its subfolders).
    /// Reads a folder whose missing Lua files (`attribution.lua`, `alerts.lua`) come from
    /// `fallback` (the shipped default set), so an agency keeps only the files it changes.
    public static func load(directory: String, inheritingFrom fallback: String?,
                            maximumFileSize: Int = RuleLimits.default.maximumFileSize) throws(RuleError) -> RuleSetSource {
        guard let fallback, fallback != directory else { return try load(directory: directory, maximumFileSize: maximumFileSize) }
        var files = try readFiles(directory: directory, maximumFileSize: maximumFileSize)
        // A missing or unreadable fallback folder gives nothing to inherit, not an error.
        let inherited = (try? readFiles(directory: fallback, maximumFileSize: maximumFileSize)) ?? [:]
        for name in [attributionFile, alertsFile] where files[name] == nil { files[name] = inherited[name] }
        guard files[attributionFile] != nil else {
            throw RuleError(kind: .invalidRuleSet, message: "no \(attributionFile) in the rule folder '\(directory)' nor in '\(fallback)'")
        }
        return RuleSetSource(files: files)
    }

    public static func load(directory: String, maximumFileSize: Int = RuleLimits.default.maximumFileSize) throws(RuleError) -> RuleSetSource {
        let files = try readFiles(directory: directory, maximumFileSize: maximumFileSize)
        guard files[attributionFile] != nil else {
            throw RuleError(kind: .invalidRuleSet, message: "no \(attributionFile) in the rule folder '\(directory)'")
        }
        return RuleSetSource(files: files)
    }

    private static func readFiles(directory: String, maximumFileSize: Int) throws(RuleError) -> [String: String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw RuleError(kind: .invalidRuleSet, message: "cannot read the rule folder '\(directory)'")
        }
        var files: [String: String] = [:]
        for name in names where isRuleFile(name) {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RuleError(kind: .invalidRuleSet, message: "cannot read the file", file: name)
            }
            guard data.count <= maximumFileSize else {
                throw RuleError(kind: .invalidRuleSet, message: "the file has \(data.count) bytes; the limit is \(maximumFileSize)", file: name)
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw RuleError(kind: .invalidRuleSet, message: "the file is not valid UTF-8", file: name)
            }
            files[name] = text
        }
        return files
    }
}
