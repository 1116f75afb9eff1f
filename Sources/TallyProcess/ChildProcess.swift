#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, its output going to files, its exit polled.
///
/// Foundation's `Process.run()` walks `/proc/self/fd` to close inherited descriptors and can
/// crash when other threads open and close descriptors at the same moment (seen in the test
/// suites, which run many servers at once). `posix_spawn` does no such walk, and polling
/// `waitpid(WNOHANG)` never parks a shared thread. The child inherits no descriptor beyond the
/// three standard ones (glibc's `posix_spawn_file_actions_addclosefrom_np`, glibc 2.34+).
public final class ChildProcess: @unchecked Sendable {
    /// Why a child could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public let executable: String
        public let errno: Int32
        public var description: String { "cannot start \(executable): \(String(cString: strerror(errno)))" }
    }

    public let pid: pid_t
    public let executable: String
    /// The files the child's standard output and standard error go to.
    public let outputPath: String
    public let errorPath: String
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`; the child's standard output and error go to new files.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil) throws {
        let base = ChildProcess.temporaryDirectory + "/tally-child-\(getpid())-\(ChildProcess.nextSerial())"
        self.executable = executable
        outputPath = base + ".out"
        errorPath = base + ".err"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else is inherited: a listening socket of this process leaking into a child
        // would keep accepting connections after this process closed it.
        _ = Self.closeFrom?(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp: [UnsafeMutablePointer<CChar>?]? = variables.map { $0.map { strdup($0) } + [nil] }
        defer { envp?.forEach { free($0) } }

        var child: pid_t = 0
        let status = envp == nil
            ? posix_spawn(&child, executable, &actions, nil, argv, environ)
            : envp!.withUnsafeBufferPointer { posix_spawn(&child, executable, &actions, nil, argv, UnsafeMutablePointer(mutating: $0.baseAddress!)) }
        guard status == 0 else { throw SpawnError(executable: executable, errno: status) }
        pid = child
    }

    deinit {
        unlink(outputPath)
        unlink(errorPath)
    }

    /// Whether the child still runs (reaps it once it has exited).
    public var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { exitStatus = status; return false }
        return result == 0
    }

    /// The exit code, or 128 + the signal that ended it; nil while it runs.
    public var terminationStatus: Int32? {
        guard !isRunning, let status = exitStatus else { return nil }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    public func signal(_ number: Int32) { if isRunning { kill(pid, number) } }

    /// Waits for the child to exit, polling; sends SIGKILL after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return terminationStatus ?? -1
    }

    public var output: String { Self.read(outputPath) }
    public var errors: String { Self.read(errorPath) }

    /// Runs a command to its end and returns its exit status and output.
    public static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws
        -> (status: Int32, output: String, errors: String)
    {
        let child = try ChildProcess(executable: executable, arguments: arguments)
        let status = await child.waitForExit(timeout: timeout)
        return (status, child.output, child.errors)
    }

    static func read(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static var temporaryDirectory: String {
        if let value = getenv("TMPDIR") { return String(cString: value) }
        return "/tmp"
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, looked up at run time because Swift's
    /// Glibc module does not export it.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    private static let serial = SerialCounter()
    private static func nextSerial() -> Int { serial.next() }
}

/// A process-wide counter for unique file names.
private final class SerialCounter: @unchecked Sendable {
    private var value = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    func next() -> Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        value += 1
        return value
    }
}
