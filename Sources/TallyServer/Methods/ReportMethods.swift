import TallyCore
import TallyJSON
import TallyReports
import TallyRPC

/// `reports.client` and `reports.agency`: a period's figures in JSON, or rendered as CSV,
/// Markdown or a self-contained HTML page.
enum ReportMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("reports.client", access: .role(.read), params: ["client", "period", "from", "to", "format"], required: ["client"]) { params, context in
                let principal = try context.requirePrincipal()
                let client = try params.string("client")
                let (period, format) = try reportParams(params)
                let report: ClientReport
                do {
                    report = try await server.agencies.pipeline(for: principal.agency).clientReport(client: client, period: period, now: .now)
                } catch AgencyPipeline.ReportError.unknownClient {
                    throw RPCError.clientNotFound(client)
                }
                return .object(answer(format: format, json: report.jsonValue, rendered: { report.rendered(format) }))
            },
            RPCMethod("reports.agency", access: .role(.read), params: ["period", "from", "to", "format"]) { params, context in
                let principal = try context.requirePrincipal()
                let (period, format) = try reportParams(params)
                let report = try await server.agencies.pipeline(for: principal.agency).agencyReport(period: period, now: .now)
                return .object(answer(format: format, json: report.jsonValue, rendered: { report.rendered(format) }))
            },
        ]
    }

    /// The period (`period` "YYYY-MM" or "YYYY-MM-DD", or `from`/`to`; default: this UTC month) and the format (default json).
    static func reportParams(_ params: Params) throws(RPCError) -> (ReportPeriod, ReportFormat) {
        let format = try params.optionalEnum("format", as: ReportFormat.self) ?? .json
        if let text = try params.optionalString("period") {
            guard !params.has("from"), !params.has("to") else { throw RPCError.invalidParam("period", "give period or from/to, not both") }
            do { return (try ReportPeriod.parse(text), format) } catch { throw RPCError.invalidParam("period", error.description) }
        }
        if params.has("from") || params.has("to") {
            guard params.has("from"), params.has("to") else { throw RPCError.invalidParam(params.has("from") ? "to" : "from", "give both from and to") }
            let (from, to) = try params.timeRange()
            return (.range(from: from, to: to), format)
        }
        return (.month(containing: .now), format)
    }

    /// JSON reports are the result itself (with `format`); other formats come as text in `content`.
    static func answer(format: ReportFormat, json: JSONValue, rendered: () -> String) -> [String: JSONValue] {
        if format == .json, case .object(var members) = json {
            members["format"] = "json"
            return members
        }
        return ["format": .string(format.rawValue), "content_type": .string(format.contentType), "content": .string(rendered())]
    }
}
