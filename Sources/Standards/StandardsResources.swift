import Foundation

/// Where the data files copied into the module bundle live.
///
/// Package.swift copies the whole `Resources` folder, so every file sits under `Resources/`
/// inside the bundle on both Linux and macOS.
enum StandardsResources {
    static func url(_ relativePath: String) throws -> URL {
        // `resourceURL` already ends in Resources/ on Linux but not on macOS; the bundle URL is the
        // same on both, so build the path from it.
        let url = Bundle.module.bundleURL.appendingPathComponent("Resources").appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StandardsDataError(source: relativePath, line: 0, reason: "bundled resource missing at \(url.path)")
        }
        return url
    }
}
