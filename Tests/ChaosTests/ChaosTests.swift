// CI-sized runs of the chaos harness (Sources/Chaos): a few seeds, few steps, the whole fault
// menu (SIGKILL, a cut link, a street restored from a backup, replayed and forged requests).
// ROOTSYNC_CHAOS_SEEDS="5 6 7" and ROOTSYNC_CHAOS_STEPS=N choose others; Scripts/chaos runs many.
import Foundation
import Testing
import Chaos

@Suite("Chaos harness", .serialized)
struct ChaosTests {
    static var seeds: [UInt64] {
        let env = ProcessInfo.processInfo.environment["ROOTSYNC_CHAOS_SEEDS"] ?? "1 2"
        return env.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { UInt64($0) }
    }

    @Test("invariants hold under faults", arguments: seeds)
    func seed(_ seed: UInt64) throws {
        var options = ChaosOptions()
        options.seed = seed
        options.steps = Int(ProcessInfo.processInfo.environment["ROOTSYNC_CHAOS_STEPS"] ?? "") ?? 24
        options.healTimeout = 60
        let report = try Chaos.run(options)
        // The report names the seed and how to reproduce it.
        #expect(report.passed, "\(report.text)")
        // The run really exercised the system: writes were accepted and the faults happened.
        #expect(report.oracleVersions > 0, "seed \(seed): no write was accepted\n\(report.text)")
        #expect(report.faults.contains { $0.contains("restored from its backup") }, "seed \(seed): the restore did not happen\n\(report.text)")
    }
}
