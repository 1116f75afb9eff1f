import TallyJSON

/// The formats a report is rendered in.
public enum ReportFormat: String, Sendable, CaseIterable {
    case json, csv, markdown, html

    /// The media type of the rendered text.
    public var contentType: String {
        switch self {
        case .json: "application/json"
        case .csv: "text/csv; charset=utf-8"
        case .markdown: "text/markdown; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        }
    }

    /// The usual file extension.
    public var fileExtension: String {
        switch self {
        case .json: "json"
        case .csv: "csv"
        case .markdown: "md"
        case .html: "html"
        }
    }
}

/// A report that renders in every ``ReportFormat``: JSON from its figures, the text formats from its layout.
public protocol RenderableReport {
    var jsonValue: JSONValue { get }
    var document: ReportDocument { get }
}

extension RenderableReport {
    /// The report in `format`.
    public func rendered(_ format: ReportFormat) -> String {
        switch format {
        case .json: jsonValue.jsonText
        case .csv: document.csv
        case .markdown: document.markdown
        case .html: document.html
        }
    }
}
