import Foundation
import JSON
import Testing
@testable import Agent

/// Bad input to the commands that run nodes: a clear error, and nothing created or changed.
@Suite("serve, sync, up: bad input")
struct RuntimeCommandTests {
    func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rs-rt-\(UUID().uuidString)").path
    }

    @Test func serveRejectsABadIntervalAndAMissingNode() {
        #expect(runCLI(["serve", "--interval", "0"]).code == .usage)
        #expect(runCLI(["serve", "--interval", "abc"]).code == .usage)
        let r = runCLI(["serve", "--dir", tempDir()])
        #expect(r.code == .failure)
        #expect(r.err.contains("node.json"))
    }

    @Test("--log-format takes text or json, for serve and up; up --stop and --restart take no topology and not each other; nothing runs in an empty base")
    func logFormatAndUpControlArguments() {
        for command in [["serve"], ["up", "topology.json"]] {
            let r = runCLI(command + ["--log-format", "xml", "--dir", tempDir()])
            #expect(r.code == .usage, "\(command)")
            #expect(r.err.contains("--log-format must be text or json, not xml") && r.err.contains("--log-format 应为 text 或 json"), "\(r.err)")
        }
        #expect(runCLI(["up", "--stop", "--restart", "150603", "--dir", tempDir()]).code == .usage)
        #expect(runCLI(["up", "topology.json", "--stop", "--dir", tempDir()]).code == .usage)
        let base = tempDir()
        let stop = runCLI(["up", "--stop", "--dir", base])
        #expect(stop.code == .failure && stop.err.contains("no rootsync up is running in") && stop.err.contains("没有正在运行的 rootsync up"), "\(stop.err)")
        #expect(runCLI(["up", "--restart", "150603", "--dir", base]).code == .failure)
    }

    @Test func syncExplainsAMissingNodeAndTheTopNode() throws {
        let missing = runCLI(["sync", "--dir", tempDir()])
        #expect(missing.code == .failure)
        #expect(missing.err.contains("rootsync init"))
        let dir = tempDir()
        let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Topology/demo.json").path
        #expect(runCLI(["init", "--dir", dir, "--topology", topology, "--node", "150600"]).code == .success)
        let city = runCLI(["sync", "--dir", dir])
        #expect(city.code == .failure)
        #expect(city.err.contains("no parent"))
    }

    @Test func upRefusesABadTopologyAndCreatesNothing() throws {
        #expect(runCLI(["up"]).code == .usage)
        let base = tempDir()
        let file = base + ".json"
        try #"{"nodes":[{"code":"150600","level":"city"},{"code":"150603","level":"district","parent":"150699"}]}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let r = runCLI(["up", file, "--dir", base, "--no-serve"])
        #expect(r.code == .failure)
        #expect(r.err.contains("150699"))
        #expect(!FileManager.default.fileExists(atPath: base))
        let garbage = base + "-garbage.json"
        try "not json".write(toFile: garbage, atomically: true, encoding: .utf8)
        #expect(runCLI(["up", garbage, "--dir", base, "--no-serve"]).code == .failure)
        #expect(!FileManager.default.fileExists(atPath: base))
    }
}
