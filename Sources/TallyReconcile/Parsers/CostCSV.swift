import Foundation
import TallyCore

/// The generic cost CSV: a header line naming `date`, `provider`, `project`, `api_key` and
/// `amount` (any order; `project`, `api_key` and `line_item` optional), then one row per
/// cost. `amount` is exact decimal USD (negative for a credit). Quoted fields with commas and
/// doubled quotes are read; errors name the line and the column.
enum CostCSV {
    static let required = ["date", "amount"]
    static let known: Set<String> = ["date", "provider", "project", "api_key", "amount", "line_item"]

    static func parse(_ text: String, provider defaultProvider: String?) throws(ReconcileError) -> ProviderData {
        // "\r\n" is one Character in Swift; isNewline covers it, "\n" and a lone "\r".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let headerLine = lines.first else { throw .malformed(location: "line 1", reason: "the file is empty; expected a header: date,provider,project,api_key,amount") }
        let header = try fields(headerLine.hasPrefix("\u{FEFF}") ? String(headerLine.dropFirst()) : headerLine, line: 1)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for name in header where !known.contains(name) {
            throw .malformed(location: "line 1, column \(name)", reason: "unknown column; use \(known.sorted().joined(separator: ", "))")
        }
        for name in required where !header.contains(name) {
            throw .malformed(location: "line 1", reason: "the header lacks the column \(name)")
        }
        if !header.contains("provider") && defaultProvider == nil {
            throw .malformed(location: "line 1", reason: "the header lacks the column provider (or give the provider of the whole file)")
        }
        var data = ProviderData()
        for (index, line) in lines.enumerated().dropFirst() {
            let number = index + 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let values = try fields(line, line: number)
            guard values.count == header.count else {
                throw .malformed(location: "line \(number)", reason: "expected \(header.count) columns, found \(values.count)")
            }
            var row: [String: String] = [:]
            for (name, value) in zip(header, values) { row[name] = value.trimmingCharacters(in: .whitespaces) }
            let day: UTCDate
            do {
                day = try UTCDate.parse(row["date"] ?? "")
            } catch {
                throw .malformed(location: "line \(number), column date", reason: "expected YYYY-MM-DD: \(error)")
            }
            let provider: String
            if let named = row["provider"], !named.isEmpty {
                provider = ProviderName.normalize(named)
            } else if let defaultProvider {
                provider = defaultProvider
            } else {
                throw .malformed(location: "line \(number), column provider", reason: "is empty")
            }
            if let defaultProvider, provider != defaultProvider {
                throw .malformed(location: "line \(number), column provider", reason: "is \(provider), but the import is for \(defaultProvider)")
            }
            let amount: Money
            do {
                amount = try Money.parse(row["amount"] ?? "")
            } catch {
                throw .malformed(location: "line \(number), column amount", reason: "\(error)")
            }
            if let key = row["api_key"], APIKeyLooks.likeSecret(key) {
                throw .malformed(location: "line \(number), column api_key", reason: "looks like a secret key; give the key's id or fingerprint")
            }
            data.costs.append(ProviderCostRow(
                day: day, provider: provider, project: row["project"].flatMap { $0.isEmpty ? nil : $0 },
                apiKey: row["api_key"].flatMap { $0.isEmpty ? nil : $0 }, lineItem: row["line_item"].flatMap { $0.isEmpty ? nil : $0 },
                amount: amount))
        }
        return data
    }

    /// Splits one CSV line (RFC 4180 quoting; no line breaks inside quotes).
    static func fields(_ line: String, line number: Int) throws(ReconcileError) -> [String] {
        let characters = Array(line)
        var fields: [String] = []
        var current = ""
        var quoted = false
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if quoted {
                if character == "\"" {
                    if index < characters.count && characters[index] == "\"" {
                        current.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if quoted { throw .malformed(location: "line \(number)", reason: "a quoted field is not closed") }
        fields.append(current)
        return fields
    }
}

/// The ledger's rule for what counts as a secret key rather than an id.
enum APIKeyLooks {
    static func likeSecret(_ value: String) -> Bool { APIKeyReference.looksLikeSecret(value) }
}
