import Foundation

/// Where a module's resource bundle is: beside the running executable, symlinks resolved.
///
/// SwiftPM names a module's bundle `rootsync_MODULE.resources` and puts it beside every program it
/// builds (`.build/debug/rootsync`, the test runner `rootsyncPackageTests.xctest`, the bench). The
/// Debian package installs the bundles beside the binary in `/usr/lib/rootsync/` and links
/// `/usr/bin/rootsync` to it. So one rule serves `swift run`, the tests and an installed copy.
/// SwiftPM's own `Bundle.module` is not used: when the bundle is not beside the program it falls
/// back to an absolute path inside the `.build` directory it was built in, and stops the program
/// when that is missing too, so a copied binary either read the build tree or crashed.
public enum ResourceBundle {
    /// The bundle directory of `module` (e.g. `Standards`), or an error naming where it looked.
    public static func directory(module: String) throws -> URL {
        let name = "rootsync_\(module).resources"
        let places = searchDirectories()
        for place in places {
            let url = place.appendingPathComponent(name, isDirectory: true)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { return url }
        }
        throw ResourceBundleMissing(bundle: name, searched: places.map(\.path))
    }

    /// The running executable's directory first; then the directories holding the loaded bundles,
    /// which is where SwiftPM puts the resources when a test bundle is run by a host program
    /// (`xctest` on macOS) rather than as an executable of its own (Linux).
    static func searchDirectories() -> [URL] {
        var out: [URL] = []
        if let exe = executable() { out.append(exe.deletingLastPathComponent()) }
        for bundle in Bundle.allBundles {
            let dir = bundle.bundleURL.resolvingSymlinksInPath().deletingLastPathComponent()
            if !out.contains(dir) { out.append(dir) }
        }
        return out
    }

    /// The running program's file: `/proc/self/exe` on Linux (the kernel's answer, already free of
    /// symlinks, so `/usr/bin/rootsync` → `/usr/lib/rootsync/rootsync` counts as the latter).
    static func executable() -> URL? {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }
}

/// A resource bundle that is not installed beside the program: a packaging error, not bad input.
public struct ResourceBundleMissing: Error, Sendable, CustomStringConvertible {
    public let bundle: String
    public let searched: [String]
    public var description: String {
        let places = searched.joined(separator: ", ")
        return "安装不完整：程序旁没有资源目录 \(bundle)（查找过：\(places)）/ "
            + "incomplete installation: the resource bundle \(bundle) is not beside the program (looked in: \(places))"
    }
}
