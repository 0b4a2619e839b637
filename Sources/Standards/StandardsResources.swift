import Foundation

/// Where the data files copied into the module bundle live.
///
/// Package.swift copies the whole `Resources` folder, so every file sits under `Resources/`
/// inside the bundle, which is found beside the program (`ResourceBundle`).
enum StandardsResources {
    static func url(_ relativePath: String) throws -> URL {
        let url = try ResourceBundle.directory(module: "Standards").appendingPathComponent("Resources").appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StandardsDataError(source: relativePath, line: 0, reason: "bundled resource missing at \(url.path)")
        }
        return url
    }
}
