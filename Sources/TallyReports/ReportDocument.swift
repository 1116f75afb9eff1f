/// A report laid out for people: a title and sections of facts or tables. CSV, Markdown and
/// HTML are rendered from this one layout, so every format shows the same figures.
public struct ReportDocument: Sendable {
    public var title: String
    public var subtitle: String
    public var sections: [Section]

    /// A heading with its content.
    public struct Section: Sendable {
        public var heading: String
        public var content: Content
        /// A sentence under the heading (what the figures mean, or why a table is empty).
        public var note: String?

        public init(_ heading: String, _ content: Content, note: String? = nil) {
            self.heading = heading
            self.content = content
            self.note = note
        }
    }

    /// Label–value pairs, or a table (optionally drawn as a bar chart in HTML).
    public enum Content: Sendable {
        case facts([(String, String)])
        case table(headers: [String], rows: [[String]], chart: Chart?)
    }

    /// Which table columns a bar chart draws: labels from one column, bar lengths from another
    /// (a plain decimal number).
    public struct Chart: Sendable {
        public var labelColumn: Int
        public var valueColumn: Int

        public init(labelColumn: Int, valueColumn: Int) {
            self.labelColumn = labelColumn
            self.valueColumn = valueColumn
        }
    }

    public init(title: String, subtitle: String, sections: [Section]) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }
}

extension ReportDocument {
    /// RFC 4180 CSV: one block per section (a heading line, then the facts or the table), blocks
    /// separated by an empty line.
    public var csv: String {
        var lines: [String] = [Self.csvRow([title, subtitle])]
        for section in sections {
            lines.append("")
            lines.append(Self.csvRow([section.heading]))
            switch section.content {
            case .facts(let facts):
                lines.append(Self.csvRow(["metric", "value"]))
                for (label, value) in facts { lines.append(Self.csvRow([label, value])) }
            case .table(let headers, let rows, _):
                lines.append(Self.csvRow(headers))
                for row in rows { lines.append(Self.csvRow(row)) }
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func csvRow(_ fields: [String]) -> String {
        fields.map { field in
            // A leading =, +, - or @ would be run as a formula by spreadsheets (CSV injection).
            var text = field
            if let first = text.first, "=+@".contains(first) || (first == "-" && Double(text) == nil) { text = "'" + text }
            return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "'" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }.joined(separator: ",")
    }

    /// GitHub-flavoured Markdown: headings, bullet lists of facts, pipe tables.
    public var markdown: String {
        var out = "# \(Self.markdownText(title))\n\n\(Self.markdownText(subtitle))\n"
        for section in sections {
            out += "\n## \(Self.markdownText(section.heading))\n\n"
            if let note = section.note { out += Self.markdownText(note) + "\n\n" }
            switch section.content {
            case .facts(let facts):
                for (label, value) in facts { out += "- **\(Self.markdownText(label))**: \(Self.markdownText(value))\n" }
            case .table(let headers, let rows, _):
                if rows.isEmpty {
                    out += "_none_\n"
                    continue
                }
                out += "| " + headers.map(Self.markdownCell).joined(separator: " | ") + " |\n"
                out += "|" + headers.map { _ in " --- |" }.joined() + "\n"
                for row in rows { out += "| " + row.map(Self.markdownCell).joined(separator: " | ") + " |\n" }
            }
        }
        return out
    }

    static func markdownText(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\`*_[]<>#|".contains(character) { out.append("\\") }
            out.append(character == "\n" ? " " : character)
        }
        return out
    }

    static func markdownCell(_ text: String) -> String { markdownText(text) }
}
