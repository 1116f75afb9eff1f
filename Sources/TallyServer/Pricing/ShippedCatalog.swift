import Foundation
import TallyCore
import TallyJSON

/// The price catalog compiled into the binary (`Resources/prices.json`, generated from the
/// public LiteLLM catalog by `scripts/build-price-catalog.py`).
public enum ShippedCatalog {
    public static let catalog: PriceCatalog = {
        guard let url = Bundle.module.url(forResource: "prices", withExtension: "json"),
            let data = try? Data(contentsOf: url),
            let json = try? JSONCodec.parse(Array(data)),
            let catalog = try? PriceCatalog.decode(json)
        else {
            fatalError("the bundled prices.json is missing or invalid; the build is broken")
        }
        return catalog
    }()
}
