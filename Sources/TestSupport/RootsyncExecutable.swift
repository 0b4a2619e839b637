import Foundation

/// The built `rootsync` executable: next to the running program (the bench, the chaos CLI) or the
/// test bundle (…/debug/rootsyncPackageTests.xctest), as SwiftPM lays them out.
public enum RootsyncExecutable {
    public static func path() throws -> String {
        var candidates: [URL] = []
        candidates.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            candidates.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        for candidate in candidates {
            let path = candidate.appendingPathComponent("rootsync").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw SupportError("rootsync executable not found (looked in \(candidates.map(\.path))); run swift build first")
    }
}
