import ArgumentParser
import Foundation
import TallyClient
import TallyJSON

/// `tally ingest FILE.jsonl|-`: send usage events from JSON Lines with `ingest.events`, in batches, resumably.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Send usage events (one JSON object per line) with ingest.events.",
        discussion: """
            Reads FILE (or standard input for -) and sends the events in batches, a few batches in \
            flight at once over one connection. Blank lines are skipped; a line that is not a JSON \
            object is reported with its line number and counted as rejected without being sent. A \
            batch whose call fails with a retryable error or a dropped connection is sent again \
            (reconnecting first), with backoff: this is safe, because the server answers an event id \
            it already has as duplicate.

            With --resume, the number of input lines fully acknowledged is kept in \
            FILE.tally-progress (or --state PATH), written after each acknowledged batch and only \
            past batches whose predecessors are all acknowledged; a rerun with --resume skips those \
            lines. Standard input can be resumed only with --state.

            On a terminal, standard error shows a progress line. The summary gives the accepted, \
            duplicate and rejected counts and the rejected events (line, id, field, reason): the \
            first 20 as text, all of them with --json.

            Exit status: 0 when every event was accepted or a duplicate; 1 when some were rejected; \
            2 when the run stopped on a connection, authentication or server error (with --resume, \
            run the same command again to continue).
            """)

    @Argument(help: "The events file (JSON Lines), or - for standard input.") var input: String
    @Option(help: "Events per ingest.events call (1 to 1000).") var batchSize = 500
    @Option(help: "Batches in flight at once (1 to 32).") var concurrency = 2
    @Option(help: "Times a batch is sent again after a retryable error or a dropped connection.") var retries = 5
    @Flag(help: "Skip the lines a previous run acknowledged, and record progress as batches are acknowledged.") var resume = false
    @Option(help: "The progress file for --resume (default: FILE.tally-progress).") var state: String?
    @OptionGroup var connection: ClientOptions
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        guard (1...1000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 1000") }
        // The server runs at most 32 requests per connection (--max-in-flight) at once.
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 32") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        if state != nil && !resume { throw ValidationError("--state is used with --resume") }
        if resume && input == "-" && state == nil { throw ValidationError("--resume on standard input needs --state PATH") }
    }

    func run() async throws {
        let endpoint = try connection.endpoint()
        let statePath = resume ? (state ?? input + ".tally-progress") : nil
        let skip = try statePath.map(IngestProgressFile.read) ?? 0
        guard let reader = LineReader(path: input) else {
            throw ValidationError("cannot open \(input): \(String(cString: strerror(errno)))")
        }

        let ledger = IngestLedger(input: input, statePath: statePath, skippedLines: skip, totalBytes: reader.size)
        let sender = BatchSender(connection: IngestConnection(endpoint: endpoint), retries: retries)
        var lineNumber = 0
        while lineNumber < skip, reader.next() != nil { lineNumber += 1 }

        await withTaskGroup(of: BatchOutcome.self) { group in
            var inFlight = 0
            var batch = EventBatch(sequence: 0, firstLine: lineNumber + 1)

            // Waits for a free slot when `concurrency` batches are out, then sends.
            func dispatch(_ ready: EventBatch) async {
                while inFlight >= concurrency, let outcome = await group.next() {
                    inFlight -= 1
                    ledger.absorb(outcome)
                }
                guard ledger.failure == nil else { return }
                // Only the last batch can be empty (trailing blank or malformed lines): nothing to
                // send, but its lines still count as done once the batches before it are.
                if ready.events.isEmpty {
                    ledger.absorb(.answered(ready, .object([:]), retried: 0))
                    return
                }
                ledger.sent(ready)
                inFlight += 1
                group.addTask { await sender.send(ready) }
            }

            while ledger.failure == nil, let line = reader.next() {
                lineNumber += 1
                ledger.linesRead += 1
                batch.lastLine = lineNumber
                let text = line.trimmingJSONWhitespace()
                if !text.isEmpty {
                    do {
                        let value = try JSONCodec.parse(text)
                        if case .object = value {
                            batch.append(value, line: lineNumber, bytes: text.count)
                        } else {
                            ledger.rejectLocally(line: lineNumber, reason: "not a JSON object: \(value.typeName)")
                        }
                    } catch {
                        ledger.rejectLocally(line: lineNumber, reason: "not valid JSON: \(error)")
                    }
                }
                // A batch also ends before it nears the server's 4 MiB message limit.
                if batch.events.count >= batchSize || batch.bytes >= EventBatch.maximumBytes {
                    await dispatch(batch)
                    batch = EventBatch(sequence: batch.sequence + 1, firstLine: lineNumber + 1)
                }
                ledger.showProgress(line: lineNumber, bytesRead: reader.bytesRead)
            }
            if ledger.failure == nil, batch.lastLine >= batch.firstLine { await dispatch(batch) }
            if ledger.failure != nil {
                // Calls still out cannot be cancelled; closing the connection makes them return.
                group.cancelAll()
                await sender.connection.close()
            }
            for await outcome in group { ledger.absorb(outcome) }
        }
        await sender.connection.close()
        ledger.finishProgress()

        if json {
            print(ledger.summaryJSON.jsonText)
        } else {
            ledger.printSummary()
        }
        if let failure = ledger.failure {
            printError("error: \(failure)")
            if let statePath {
                printError("\(ledger.linesDone) lines acknowledged, recorded in \(statePath); run again with --resume to continue")
            }
            throw ExitCode(2)
        }
        if ledger.rejected > 0 { throw ExitCode(1) }
    }
}

/// Consecutive input lines and the events among them, sent with one `ingest.events` call.
struct EventBatch: Sendable {
    /// Keeps a batch's message under the server's default `--max-message-bytes` (4 MiB).
    static let maximumBytes = 3 * 1024 * 1024

    var sequence: Int
    var firstLine: Int
    /// The last input line this batch covers (blank and malformed lines included), so that
    /// finishing it means every line up to here is done.
    var lastLine = 0
    var events: [JSONValue] = []
    /// The input line of each event, by its index in `events`.
    var lines: [Int] = []
    var bytes = 0

    init(sequence: Int, firstLine: Int) {
        self.sequence = sequence
        self.firstLine = firstLine
        lastLine = firstLine - 1
    }

    mutating func append(_ event: JSONValue, line: Int, bytes: Int) {
        events.append(event)
        lines.append(line)
        self.bytes += bytes
    }
}

/// How a batch ended: the server's answer, or the error that stopped it after its retries.
enum BatchOutcome: Sendable {
    case answered(EventBatch, JSONValue, retried: Int)
    case failed(EventBatch, String, retried: Int)
}

/// Sends batches with retries; re-sending is safe because the server answers a known id as duplicate.
struct BatchSender: Sendable {
    let connection: IngestConnection
    let retries: Int

    func send(_ batch: EventBatch) async -> BatchOutcome {
        var attempt = 0
        while true {
            let problem: String
            var client: TallyClient?
            do {
                client = try await connection.current()
                let answer = try await client!.call("ingest.events", ["events": .array(batch.events)])
                return .answered(batch, answer, retried: attempt)
            } catch let error as TallyClientError {
                if case .connectionClosed = error, let client { await connection.drop(client) }
                // Auth, permission and invalid-params errors will not change by sending again.
                guard error.isRetryable else { return .failed(batch, error.description, retried: attempt) }
                problem = error.description
            } catch is CancellationError {
                return .failed(batch, "cancelled", retried: attempt)
            } catch {
                // Refused or reset while connecting: the server may be restarting.
                problem = "cannot reach Tally at \(connection.endpoint): \(error)"
            }
            if attempt >= retries || Task.isCancelled {
                return .failed(batch, attempt == 0 ? problem : "\(problem) (after \(attempt) retries)", retried: attempt)
            }
            attempt += 1
            // Exponential backoff with jitter, so batches that failed together do not retry in lockstep.
            let seconds = min(0.25 * Double(1 << min(attempt - 1, 10)), 8) * Double.random(in: 0.75...1.25)
            try? await Task.sleep(for: .seconds(seconds))
        }
    }
}

/// The one connection the batches in flight share, opened again when it drops.
actor IngestConnection {
    nonisolated let endpoint: ServerEndpoint
    private var client: TallyClient?
    private var opening: Task<TallyClient, any Error>?
    private var closed = false

    init(endpoint: ServerEndpoint) { self.endpoint = endpoint }

    /// The open connection, or a new one; concurrent callers share one connection attempt.
    func current() async throws -> TallyClient {
        if closed { throw CancellationError() }
        if let client { return client }
        if let opening { return try await opening.value }
        let endpoint = endpoint
        let task = Task { try await endpoint.connect() }
        opening = task
        defer { opening = nil }
        let opened = try await task.value
        if closed {
            await opened.close()
            throw CancellationError()
        }
        client = opened
        return opened
    }

    /// Forgets `failed` if it is still the current connection, so the next call reconnects.
    func drop(_ failed: TallyClient) async {
        guard let client, client === failed else { return }
        self.client = nil
        await failed.close()
    }

    func close() async {
        closed = true
        if let client { await client.close() }
        client = nil
    }
}

/// Counts, rejections, in-order progress and the progress line; lives on the command's task only.
final class IngestLedger {
    /// Rejections kept for the summary; beyond this only the count grows.
    static let keptRejections = 10_000

    struct Rejection {
        var line: Int
        var id: JSONValue
        var field: String?
        var reason: String
    }

    let input: String
    let statePath: String?
    let skippedLines: Int
    var linesRead = 0
    var sentEvents = 0
    var batches = 0
    var retries = 0
    var accepted = 0
    var duplicates = 0
    var rejected = 0
    var rejections: [Rejection] = []
    /// Input lines (counting skipped ones) whose batches, and all before them, are acknowledged.
    private(set) var linesDone: Int
    var failure: String?
    private var finished: [Int: Int] = [:]
    private var nextSequence = 0
    private var stateWarning = false
    private let progress = isatty(2) != 0
    private var shownProgress = false
    private let started = ContinuousClock.now
    private var lastDrawn = ContinuousClock.now - .seconds(1)
    private var line = 0
    private var bytesRead = 0
    /// The input's size when it is a regular file, for the bar; a pipe has none.
    private let totalBytes: Int?

    init(input: String, statePath: String?, skippedLines: Int, totalBytes: Int?) {
        self.totalBytes = totalBytes
        self.input = input
        self.statePath = statePath
        self.skippedLines = skippedLines
        linesDone = skippedLines
    }

    func sent(_ batch: EventBatch) {
        batches += 1
        sentEvents += batch.events.count
    }

    func rejectLocally(line: Int, reason: String) {
        reject(Rejection(line: line, id: .null, field: nil, reason: reason))
    }

    private func reject(_ rejection: Rejection) {
        rejected += 1
        if rejections.count < Self.keptRejections { rejections.append(rejection) }
    }

    func absorb(_ outcome: BatchOutcome) {
        switch outcome {
        case .failed(_, let message, let retried):
            retries += retried
            if failure == nil { failure = message }
        case .answered(let batch, let answer, let retried):
            retries += retried
            for result in answer["results"]?.arrayValue ?? [] {
                guard let index = result["index"]?.int64Value.map(Int.init), batch.lines.indices.contains(index) else { continue }
                switch result["status"]?.stringValue {
                case "accepted": accepted += 1
                case "duplicate": duplicates += 1
                default:
                    reject(Rejection(
                        line: batch.lines[index], id: result["id"] ?? .null,
                        field: result["error"]?["field"]?.stringValue.map(Self.eventField),
                        reason: result["error"]?["reason"]?.stringValue ?? "rejected"))
                }
            }
            finished[batch.sequence] = batch.lastLine
            advance()
        }
        showProgress(line: line, bytesRead: bytesRead)
    }

    /// "events[3].usage.input_tokens" names the field in the batch; the line already names the event.
    static func eventField(_ field: String) -> String {
        guard field.hasPrefix("events["), let close = field.firstIndex(of: "]") else { return field }
        let rest = field[field.index(after: close)...]
        return String(rest.hasPrefix(".") ? rest.dropFirst() : rest)
    }

    /// Moves `linesDone` past finished batches whose predecessors all finished too, and records it.
    private func advance() {
        let before = linesDone
        while let last = finished.removeValue(forKey: nextSequence) {
            linesDone = last
            nextSequence += 1
        }
        guard linesDone != before, let statePath else { return }
        do {
            try IngestProgressFile.write(statePath, linesDone: linesDone, input: input)
        } catch let error where !stateWarning {
            stateWarning = true
            printError("warning: cannot write \(statePath): \(error)")
        } catch {}
    }

    // MARK: Output

    func showProgress(line: Int, bytesRead: Int) {
        self.line = line
        self.bytesRead = bytesRead
        guard progress else { return }
        let now = ContinuousClock.now
        guard now - lastDrawn >= .milliseconds(100) else { return }
        lastDrawn = now
        let elapsed = max(Double((now - started).components.seconds) + Double((now - started).components.attoseconds) / 1e18, 0.001)
        let answered = accepted + duplicates + rejected
        var bar = ""
        if let totalBytes, totalBytes > 0 {
            let fraction = min(Double(bytesRead) / Double(totalBytes), 1)
            let filled = Int(fraction * 20)
            bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] \(Int(fraction * 100))%  "
        }
        let text = bar + "\(line) lines  accepted \(accepted)  duplicate \(duplicates)  rejected \(rejected)  \(Int(Double(answered) / elapsed)) events/s"
        FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K").utf8))
        shownProgress = true
    }

    func finishProgress() {
        if shownProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private var sortedRejections: [Rejection] { rejections.sorted { $0.line < $1.line } }

    private static func idText(_ id: JSONValue) -> String {
        switch id {
        case .null: ""
        case .string(let text): text
        default: id.jsonText
        }
    }

    func printSummary() {
        var head = "\(input): \(linesRead) lines read, \(sentEvents) events sent in \(batches) \(batches == 1 ? "batch" : "batches")"
        if skippedLines > 0 { head += ", \(skippedLines) lines skipped (--resume)" }
        if retries > 0 { head += ", \(retries) retries" }
        print(head)
        printTable(["status", "events"], [["accepted", "\(accepted)"], ["duplicate", "\(duplicates)"], ["rejected", "\(rejected)"]])
        guard rejected > 0 else { return }
        print("")
        let listed = sortedRejections.prefix(20)
        printTable(["line", "id", "field", "reason"], listed.map { ["\($0.line)", Self.idText($0.id), $0.field ?? "", $0.reason] })
        if rejected > listed.count { print("and \(rejected - listed.count) more") }
    }

    var summaryJSON: JSONValue {
        var summary: [String: JSONValue] = [
            "input": .string(input),
            "complete": .bool(failure == nil),
            "lines_read": .integer(Int64(linesRead)),
            "skipped_lines": .integer(Int64(skippedLines)),
            "lines_done": .integer(Int64(linesDone)),
            "sent": .integer(Int64(sentEvents)),
            "batches": .integer(Int64(batches)),
            "retries": .integer(Int64(retries)),
            "accepted": .integer(Int64(accepted)),
            "duplicates": .integer(Int64(duplicates)),
            "rejected": .integer(Int64(rejected)),
            "rejections": .array(sortedRejections.map { rejection in
                let field: JSONValue = rejection.field.map { .string($0) } ?? .null
                return .object(["line": .integer(Int64(rejection.line)), "id": rejection.id, "field": field, "reason": .string(rejection.reason)])
            }),
            "rejections_omitted": .integer(Int64(rejected - rejections.count)),
        ]
        if let failure { summary["error"] = .string(failure) }
        if let statePath { summary["state"] = .string(statePath) }
        return .object(summary)
    }
}

/// The `--resume` file: `{"input": ..., "lines_done": N}`, the input lines fully acknowledged.
enum IngestProgressFile {
    static func read(_ path: String) throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // A bare number is accepted too, so a person can write the file by hand.
        if let lines = Int(text), lines >= 0 { return lines }
        guard let value = try? JSONCodec.parse(text), let lines = value["lines_done"]?.int64Value, lines >= 0 else {
            throw ValidationError("\(path) is not a progress file (expected {\"lines_done\": N})")
        }
        return Int(lines)
    }

    static func write(_ path: String, linesDone: Int, input: String) throws {
        let value: JSONValue = .object(["input": .string(input), "lines_done": .integer(Int64(linesDone))])
        // Written to a temporary file and renamed, so a crash never leaves half a file.
        try Data((value.jsonText + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Reads lines of any length from a file or standard input, one at a time (never the whole file).
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    /// Bytes consumed so far, line breaks included.
    private(set) var bytesRead = 0
    /// The size of a regular file; nil for a pipe or a terminal.
    let size: Int?

    init?(path: String) {
        guard let file = path == "-" ? fdopen(0, "r") : fopen(path, "r") else { return nil }
        self.file = file
        var status = stat()
        size = fstat(fileno(file), &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : nil
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    /// The next line without its line break, or nil at the end.
    func next() -> [UInt8]? {
        let count = getline(&buffer, &capacity, file)
        guard count >= 0, let buffer else { return nil }
        bytesRead += count
        var bytes = Array(UnsafeRawBufferPointer(start: buffer, count: count))
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// Without leading and trailing JSON whitespace (space, tab, CR, LF).
    func trimmingJSONWhitespace() -> ArraySlice<UInt8> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return [] }
        return self[first...last]
    }
}
