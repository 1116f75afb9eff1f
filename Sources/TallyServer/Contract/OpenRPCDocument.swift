import Foundation
import TallyJSON

/// The API contract, `proto/openrpc.json`, compiled into the binary and served by `rpc.discover`.
///
/// `proto/openrpc.json` is a link to the resource file, so there is one copy to edit.
public enum OpenRPCDocument {
    /// The parsed document.
    public static let value: JSONValue = {
        guard let url = Bundle.module.url(forResource: "openrpc", withExtension: "json"),
            let data = try? Data(contentsOf: url),
            let document = try? JSONCodec.parse(Array(data))
        else {
            fatalError("the bundled openrpc.json is missing or invalid; the build is broken")
        }
        return document
    }()

    /// The names of the methods the document lists.
    public static var methodNames: [String] {
        (value["methods"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    }
}
