import Foundation
import Standards

/// The web app's files (HTML, CSS, JavaScript), shipped in the Node module's resource bundle
/// (`Sources/Node/Web`, copied by Package.swift) and read once. Nothing comes from elsewhere:
/// no CDN, no web fonts, so the app works with no network at all.
enum WebAssets {
    struct Asset {
        let contentType: String
        let body: [UInt8]
    }

    static let files: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "app.js": "text/javascript; charset=utf-8",
        "app.css": "text/css; charset=utf-8",
    ]

    /// Every file, read at first use; a file missing from the installation is an error naming it.
    static let loaded: Result<[String: Asset], WebAssetMissing> = {
        let base: URL
        do { base = try ResourceBundle.directory(module: "Node").appendingPathComponent("Web") } catch {
            return .failure(WebAssetMissing(description: "the web app's files are not installed: \(error)"))
        }
        var out: [String: Asset] = [:]
        for (name, type) in files {
            let url = base.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else { return .failure(WebAssetMissing(description: "the web app's file \(url.path) is missing from the installation")) }
            out[name] = Asset(contentType: type, body: Array(data))
        }
        return .success(out)
    }()

    static func asset(_ name: String) throws -> Asset? {
        try loaded.get()[name]
    }
}

struct WebAssetMissing: Error, CustomStringConvertible {
    let description: String
}
