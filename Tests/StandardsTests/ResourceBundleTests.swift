import Foundation
import Testing
@testable import Standards

/// The resource bundles are found beside the running program (here the test runner, which SwiftPM
/// builds beside them), never by a path recorded at build time.
struct ResourceBundleTests {
    @Test func bundleBesideTheProgram() throws {
        let dir = try ResourceBundle.directory(module: "Standards")
        #expect(dir.lastPathComponent == "rootsync_Standards.resources")
        let exe = try #require(ResourceBundle.executable())
        #expect(dir.deletingLastPathComponent().path == exe.deletingLastPathComponent().path)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Resources/gbt2260-divisions.tsv").path))
    }

    @Test func missingBundleNamesWhereItLooked() throws {
        let error = try #require(throws: ResourceBundleMissing.self) { try ResourceBundle.directory(module: "NoSuchModule") }
        #expect(error.bundle == "rootsync_NoSuchModule.resources")
        let exeDir = try #require(ResourceBundle.executable()).deletingLastPathComponent().path
        #expect(error.searched.first == exeDir)
        #expect(error.description.contains("rootsync_NoSuchModule.resources"))
        #expect(error.description.contains("安装不完整"))
    }
}
