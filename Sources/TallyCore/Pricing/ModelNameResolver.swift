import Synchronization

/// The names under which a model can appear in a catalog, most specific first.
///
/// Providers report models as dated snapshots ("gpt-4o-mini-2024-07-18"), with provider or
/// region prefixes ("openai/gpt-4o", "us.anthropic.claude..."), with version suffixes
/// ("claude-3-5-sonnet@20240620") or as OpenRouter slugs ("anthropic/claude-3.5-sonnet"),
/// while a catalog lists each price once. An exact entry always wins; the fallbacks only run
/// when it is missing, and the rule used is reported with the price.
public enum ModelNameResolver {
    /// One name to look up.
    public struct Candidate: Sendable, Hashable {
        public var provider: String
        public var model: String
        public var rule: ModelMatchRule
    }

    /// Bedrock cross-region inference profile prefixes.
    static let bedrockRegionPrefixes = ["global.", "us.", "eu.", "apac.", "ap.", "jp.", "au.", "ca.", "us-gov."]

    /// Candidates already worked out, by provider and model as reported: a ledger sees the same
    /// few models millions of times, and working the names out is string surgery.
    private static let memo = Mutex<[String: [Candidate]]>([:])
    /// The most reported names remembered (a bound against a flood of made-up model names).
    static let memoLimit = 10_000

    /// The names to try for `model` reported under `provider`, in order, without repeats.
    public static func candidates(provider: String, model: String) -> [Candidate] {
        let key = provider + "\u{0}" + model
        if let known = memo.withLock({ $0[key] }) { return known }
        let computed = computeCandidates(provider: provider, model: model)
        memo.withLock { memo in
            if memo.count < memoLimit { memo[key] = computed }
        }
        return computed
    }

    private static func computeCandidates(provider: String, model: String) -> [Candidate] {
        let provider = ProviderName.normalize(provider)
        let model = model.trimmingASCIIWhitespace().lowercased()
        var result: [Candidate] = []
        func add(_ provider: String, _ model: String, _ rule: ModelMatchRule) {
            guard !model.isEmpty, !result.contains(where: { $0.provider == provider && $0.model == model }) else { return }
            result.append(Candidate(provider: provider, model: model, rule: rule))
        }

        add(provider, model, .exact)
        var aliases = [model]
        var pending = [model]
        while let name = pending.popLast() {
            for alias in aliasNames(of: name, provider: provider) where !aliases.contains(alias) {
                aliases.append(alias)
                pending.append(alias)
                add(provider, alias, .alias)
            }
        }
        for name in aliases {
            var base = name
            while let shorter = baseName(of: base) {
                add(provider, shorter, .baseModel)
                base = shorter
            }
        }
        if provider == ProviderName.openRouter {
            for name in aliases {
                guard let slash = name.firstIndex(of: "/") else { continue }
                let vendor = ProviderName.normalize(String(name[..<slash]))
                let upstreamModel = String(name[name.index(after: slash)...])
                guard vendor != ProviderName.openRouter, !upstreamModel.hasSuffix(":free") else { continue }
                var upstreamNames = [upstreamModel]
                // OpenRouter writes Anthropic versions with dots ("claude-3.5-sonnet"); Anthropic never does.
                if vendor == ProviderName.anthropic, upstreamModel.contains(".") {
                    upstreamNames.append(String(upstreamModel.map { $0 == "." ? "-" : $0 }))
                }
                for upstreamName in upstreamNames {
                    for candidate in candidates(provider: vendor, model: upstreamName) {
                        add(candidate.provider, candidate.model, .upstreamProvider(vendor))
                    }
                }
            }
        }
        return result
    }

    /// Other spellings of the same model: without a provider or API path prefix, without a
    /// Bedrock region, without an OpenRouter routing suffix.
    static func aliasNames(of name: String, provider: String) -> [String] {
        var names: [String] = []
        if let slash = name.firstIndex(of: "/") {
            let first = String(name[..<slash])
            let rest = String(name[name.index(after: slash)...])
            if first == "models" || ProviderName.normalize(first) == provider {
                names.append(rest)
            }
        }
        // Vertex AI resource names: "publishers/google/models/gemini-2.5-pro".
        let parts = name.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        if parts.count == 4, parts[0] == "publishers", parts[2] == "models" {
            names.append(String(parts[3]))
        }
        if provider == ProviderName.bedrock {
            for prefix in bedrockRegionPrefixes where name.hasPrefix(prefix) {
                names.append(String(name.dropFirst(prefix.count)))
            }
        }
        if provider == ProviderName.openRouter, let colon = name.lastIndex(of: ":") {
            let variant = name[name.index(after: colon)...]
            // ":free" is another price (zero) and stays; other variants route the same model.
            if variant != "free", !variant.isEmpty { names.append(String(name[..<colon])) }
        }
        return names.filter { !$0.isEmpty }
    }

    /// The name without its last version marker, or `nil` when it has none: "@version",
    /// "-YYYY-MM-DD", "-YYYYMMDD", "-latest", Bedrock's "-v2:0" and ":0", and a trailing
    /// "-0613" / "-2411" / "-001" style snapshot number.
    static func baseName(of name: String) -> String? {
        if let at = name.lastIndex(of: "@"), at != name.startIndex {
            return String(name[..<at])
        }
        let characters = Array(name)
        func isDigits(_ slice: ArraySlice<Character>) -> Bool { !slice.isEmpty && slice.allSatisfy(\.isASCIIDigit) }
        // "-YYYY-MM-DD"
        if characters.count > 11 {
            let tail = characters.suffix(11)
            let t = Array(tail)
            if t[0] == "-", isDigits(tail.dropFirst().prefix(4)), t[5] == "-", isDigits(t[6...7]), t[8] == "-", isDigits(t[9...10]) {
                return String(characters.dropLast(11))
            }
        }
        if name.hasSuffix("-latest"), name.count > 7 { return String(name.dropLast(7)) }
        // Bedrock "-v2:0" (the colon keeps model names such as "deepseek-v3" intact)
        if let dash = characters.lastIndex(of: "-"), dash > 0, dash + 1 < characters.count, characters[dash + 1] == "v" {
            let parts = characters[(dash + 2)...].split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, parts.allSatisfy({ isDigits($0) }) {
                return String(characters[..<dash])
            }
        }
        // ":0" version suffix
        if let colon = characters.lastIndex(of: ":"), colon > 0, isDigits(characters[(colon + 1)...]) {
            return String(characters[..<colon])
        }
        // "-YYYYMMDD", "-0613", "-2411", "-001"
        if let dash = characters.lastIndex(of: "-"), dash > 0 {
            let digits = characters[(dash + 1)...]
            if isDigits(digits), [3, 4, 8].contains(digits.count) {
                return String(characters[..<dash])
            }
        }
        return nil
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
