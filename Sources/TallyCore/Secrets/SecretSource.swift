import Foundation

/// Where a credential the server uses is kept (an n8n API key, a provider admin key): the name of
/// an environment variable of the server, or the path of a file such as a mounted secret. Only
/// the source is stored and returned; the credential is read at each use.
public enum SecretSource: Sendable, Hashable {
    case environment(String)
    case file(String)

    /// Why the credential cannot be read now.
    public enum ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        case variableNotSet(String)
        case unreadableFile(path: String, reason: String)

        public var description: String {
            switch self {
            case .variableNotSet(let name): "environment variable \(name) is not set in the server's environment"
            case .unreadableFile(let path, let reason): "cannot read \(path): \(reason)"
            }
        }
    }

    /// The source a request names with its `*_env` / `*_file` pair (exactly one of them); the
    /// error names the param to fix. A variable name that looks like a key itself is refused.
    public static func choose(environment: String?, file: String?, environmentField: String, fileField: String) throws(EventValidationError) -> SecretSource {
        switch (environment, file) {
        case (nil, nil):
            throw EventValidationError(field: environmentField, reason: "give exactly one of \(environmentField) (an environment variable's name) or \(fileField) (a file's path)")
        case (.some, .some):
            throw EventValidationError(field: fileField, reason: "give exactly one of \(environmentField) or \(fileField), not both")
        case (let name?, nil):
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ CharacterSetASCII.isAlphanumeric($0) || $0 == "_" }),
                  !name.hasPrefix("sk"), !APIKeyReference.looksLikeSecret(name) else {
                throw EventValidationError(field: environmentField, reason: "must be an environment variable's name (letters, digits, _), not the key itself")
            }
            return .environment(name)
        case (nil, let path?):
            guard path.hasPrefix("/") else { throw EventValidationError(field: fileField, reason: "must be an absolute path") }
            return .file(path)
        }
    }

    /// The process environment as it is now (a variable set after the start is seen).
    public static let processEnvironment: @Sendable (String) -> String? = { name in getenv(name).map { String(cString: $0) } }

    /// The credential, read now and trimmed.
    public func read(environment: (String) -> String? = SecretSource.processEnvironment) throws(ReadError) -> String {
        switch self {
        case .environment(let name):
            guard let value = environment(name)?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw .variableNotSet(name)
            }
            return value
        case .file(let path):
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw .unreadableFile(path: path, reason: "the file is empty") }
            return value
        }
    }
}
