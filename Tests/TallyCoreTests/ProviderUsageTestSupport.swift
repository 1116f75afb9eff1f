import TallyJSON
import Testing

@testable import TallyCore

/// Maps a provider usage written as JSON text, the way it arrives on the wire.
func mapUsage(_ provider: String, _ text: String) throws -> MappedUsage {
    try ProviderUsage.map(provider: provider, usage: try JSONCodec.parse(text))
}

/// The error a provider usage written as JSON text is rejected with.
func usageError(_ provider: String, _ text: String) throws -> ProviderUsageError? {
    let json = try JSONCodec.parse(text)
    do {
        _ = try ProviderUsage.map(provider: provider, usage: json)
        return nil
    } catch {
        return error
    }
}
