/// The HTML form of a report: one self-contained, printable page. Styles are inline in the
/// page, charts are inline SVG, and there is no script and nothing loaded from elsewhere, so the
/// file can be mailed to a client and opened offline.
extension ReportDocument {
    public var html: String {
        var body = ""
        for section in sections {
            body += "<section>\n<h2>\(Self.escape(section.heading))</h2>\n"
            if let note = section.note { body += "<p class=\"note\">\(Self.escape(note))</p>\n" }
            switch section.content {
            case .facts(let facts):
                body += "<dl class=\"facts\">\n"
                for (label, value) in facts {
                    body += "<div><dt>\(Self.escape(label))</dt><dd>\(Self.escape(value))</dd></div>\n"
                }
                body += "</dl>\n"
            case .table(let headers, let rows, let chart):
                if rows.isEmpty {
                    body += "<p class=\"empty\">None in this period.</p>\n"
                    break
                }
                if let chart { body += Self.barChart(rows: rows, chart: chart, title: section.heading) }
                body += "<table>\n<thead><tr>" + headers.map { "<th scope=\"col\">\(Self.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
                for row in rows {
                    body += "<tr>" + row.enumerated().map { index, cell in
                        index == 0 ? "<th scope=\"row\">\(Self.escape(cell))</th>" : "<td>\(Self.escape(cell))</td>"
                    }.joined() + "</tr>\n"
                }
                body += "</tbody>\n</table>\n"
            }
            body += "</section>\n"
        }
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escape(title))</title>
            <style>\(Self.styleElementText)</style>
            </head>
            <body>
            <header><h1>\(Self.escape(title))</h1><p class="subtitle">\(Self.escape(subtitle))</p></header>
            <main>
            \(body)</main>
            <footer>Tally — LLM spend ledger. All amounts in USD.</footer>
            </body>
            </html>

            """
    }

    /// The text of the page's one `<style>` element, exactly: the dashboard's Content-Security-Policy
    /// allows it by its SHA-256, so a report opened from the dashboard keeps its styles.
    public static let styleElementText = "\n" + style + "\n"

    static let style = """
        :root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bar: #0969da; }
        * { box-sizing: border-box; }
        body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; max-width: 960px; padding: 24px; }
        h1 { font-size: 26px; margin: 0; } h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
        .subtitle, .note, footer { color: var(--muted); } footer { margin-top: 32px; font-size: 13px; }
        dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin: 0; }
        dl.facts div { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
        dt { color: var(--muted); font-size: 13px; } dd { margin: 0; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); } td { text-align: right; }
        thead th { font-size: 13px; color: var(--muted); }
        svg { display: block; max-width: 100%; height: auto; margin: 8px 0 12px; }
        svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
        @media print { body { max-width: none; padding: 0; } section { break-inside: avoid; } }
        """

    /// A horizontal bar chart of a table's rows (at most ten), as inline SVG with a text alternative.
    static func barChart(rows: [[String]], chart: Chart, title: String) -> String {
        let shown = rows.prefix(10).compactMap { row -> (String, Double)? in
            guard row.indices.contains(chart.labelColumn), row.indices.contains(chart.valueColumn),
                  let value = Double(row[chart.valueColumn]) else { return nil }
            // Bar lengths only: the figures themselves are printed from exact decimals.
            return (row[chart.labelColumn], max(0, value))
        }
        guard !shown.isEmpty else { return "" }
        let largest = shown.map(\.1).max() ?? 0
        let rowHeight = 24, labelWidth = 220, barWidth = 460, width = labelWidth + barWidth + 100
        var svg = "<svg role=\"img\" aria-label=\"\(escape(title)) chart\" viewBox=\"0 0 \(width) \(shown.count * rowHeight + 4)\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (index, (label, value)) in shown.enumerated() {
            let y = index * rowHeight + 2
            let length = largest > 0 ? Int((value / largest * Double(barWidth)).rounded()) : 0
            let shortLabel = label.count > 32 ? String(label.prefix(31)) + "…" : label
            svg += "<text x=\"0\" y=\"\(y + 16)\">\(escape(shortLabel))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(max(length, 1))\" height=\"16\" rx=\"2\" fill=\"#0969da\"/>"
            svg += "<text x=\"\(labelWidth + max(length, 1) + 6)\" y=\"\(y + 16)\">\(escape(rows[index][chart.valueColumn]))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Text for HTML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
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
}
