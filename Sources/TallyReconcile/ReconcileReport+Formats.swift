import Foundation
import TallyCore

/// The report as Markdown, CSV or a self-contained HTML page (no scripts, no external files).
extension ReconcileReport {
    /// The output formats of `reconcile.run`.
    public enum Format: String, Sendable, CaseIterable {
        case json, markdown, csv, html
    }

    /// Markdown: the totals, the days with their verdict, then the findings.
    public func markdown() -> String {
        var text = "# Reconciliation \(from) to \(to)\n\n"
        text += "Providers: \(providers.joined(separator: ", ")). Tolerance: \(tolerance.decimalString) USD.\n\n"
        text += "Tracked \(tracked.decimalString) USD, billed \(billed.decimalString) USD, difference \((billed - tracked).decimalString) USD, unexplained \(unexplained.decimalString) USD.\n\n"
        text += "## Days\n\n| day | provider | tracked | billed | difference | verdict |\n|---|---|---:|---:|---:|---|\n"
        for day in days {
            text += "| \(day.day) | \(day.provider) | \(day.tracked.decimalString) | \(day.billed.decimalString) | \(day.difference.decimalString) | \(day.matches ? "match" : "mismatch") |\n"
        }
        text += "\n## Findings\n\n"
        if findings.isEmpty {
            text += "None: the ledger matches the providers within the tolerance.\n"
        } else {
            text += "| reason | provider | days | api key | amount | detail |\n|---|---|---|---|---:|---|\n"
            for finding in findings {
                text += "| \(finding.reason.rawValue) | \(finding.provider) | \(finding.days.map(\.description).joined(separator: " ")) | \(Self.markdownCell(finding.apiKey ?? "")) | \(finding.amount.decimalString) | \(Self.markdownCell(finding.detail)) |\n"
            }
        }
        return text
    }

    /// CSV: one row per compared line, with its reasons.
    public func csv() -> String {
        var text = "day,provider,api_key,tracked,billed,difference,events,unpriced_events,reasons\n"
        for line in lines {
            let fields = [line.day.description, line.provider, line.apiKey ?? "", line.tracked.decimalString, line.billed.decimalString,
                          line.difference.decimalString, String(line.events), String(line.unpricedEvents),
                          line.reasons.map(\.rawValue).joined(separator: " ")]
            text += fields.map(Self.csvField).joined(separator: ",") + "\n"
        }
        return text
    }

    /// A self-contained HTML page (inline style only).
    public func html() -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Tally reconciliation \(from) to \(to)</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
            th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
            .mismatch{background:#fde8e8}.match{background:#e8f6e8}</style></head><body>

            """
        page += "<h1>Reconciliation \(from) to \(to)</h1>\n"
        page += "<p>Providers: \(Self.escape(providers.joined(separator: ", "))). Tolerance: \(tolerance.decimalString) USD.</p>\n"
        page += "<p>Tracked \(tracked.decimalString) USD, billed \(billed.decimalString) USD, difference \((billed - tracked).decimalString) USD, unexplained \(unexplained.decimalString) USD.</p>\n"
        page += "<h2>Days</h2>\n<table><tr><th>day</th><th>provider</th><th>tracked</th><th>billed</th><th>difference</th><th>verdict</th></tr>\n"
        for day in days {
            let verdict = day.matches ? "match" : "mismatch"
            page += "<tr class=\"\(verdict)\"><td>\(day.day)</td><td>\(Self.escape(day.provider))</td><td class=\"n\">\(day.tracked.decimalString)</td><td class=\"n\">\(day.billed.decimalString)</td><td class=\"n\">\(day.difference.decimalString)</td><td>\(verdict)</td></tr>\n"
        }
        page += "</table>\n<h2>Findings</h2>\n"
        if findings.isEmpty {
            page += "<p>None: the ledger matches the providers within the tolerance.</p>\n"
        } else {
            page += "<table><tr><th>reason</th><th>provider</th><th>days</th><th>api key</th><th>amount</th><th>detail</th></tr>\n"
            for finding in findings {
                page += "<tr><td>\(finding.reason.rawValue)</td><td>\(Self.escape(finding.provider))</td><td>\(finding.days.map(\.description).joined(separator: " "))</td><td>\(Self.escape(finding.apiKey ?? ""))</td><td class=\"n\">\(finding.amount.decimalString)</td><td>\(Self.escape(finding.detail))</td></tr>\n"
            }
            page += "</table>\n"
        }
        return page + "</body></html>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
