// CI-sized runs of the chaos harness (Sources/Chaos): a few seeds, few steps, the whole fault
// menu (SIGKILL, a cut link, offline concurrent edits, a street restored from a backup, replayed
// and forged requests). ROOTSYNC_CHAOS_SEEDS="5 6 7" and ROOTSYNC_CHAOS_STEPS=N choose others;
// Scripts/chaos runs many.
import Foundation
import Testing
import Chaos

@Suite("Chaos harness", .serialized)
struct ChaosTests {
    static var seeds: [UInt64] {
        let env = ProcessInfo.processInfo.environment["ROOTSYNC_CHAOS_SEEDS"] ?? "1 2"
        return env.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { UInt64($0) }
    }
    static var steps: Int { Int(ProcessInfo.processInfo.environment["ROOTSYNC_CHAOS_STEPS"] ?? "") ?? 20 }

    @Test("the sync invariants hold under faults", arguments: seeds)
    func seed(_ seed: UInt64) throws {
        var options = ChaosOptions()
        options.topology = .nine
        options.seed = seed
        options.steps = Self.steps
        options.healTimeout = 60
        let report = try Chaos.run(options)
        // On failure the report names the seed, every fault and violation, and how to reproduce.
        #expect(report.passed, "\(report.text)")
        // The run really exercised the system: writes were accepted and the restore happened.
        #expect(report.oracleVersions > 0, "seed \(seed): no write was accepted\n\(report.text)")
        #expect(report.faults.contains { $0.contains("restored from its backup") }, "seed \(seed): the restore did not happen\n\(report.text)")
        #expect(report.checks[.noLostWrite, default: 0] > 0 && report.checks[.convergence, default: 0] > 0)
    }

    /// The checks are not vacuous: damage done to the healed replicas on purpose (a version
    /// deleted at a community, a visible field changed at a street, a false conflict marked) is
    /// reported under the invariant it breaks.
    @Test("the checks see damaged replicas")
    func sabotage() throws {
        var options = ChaosOptions()
        options.topology = .nine
        options.seed = 3
        options.steps = 8
        options.healTimeout = 60
        options.sabotage = Sabotage.allCases
        let report = try Chaos.run(options)
        #expect(!report.passed)
        for damage in Sabotage.allCases {
            #expect(report.violations.contains { $0.0 == damage.invariant }, "\(damage.rawValue) went unnoticed:\n\(report.text)")
        }
    }
}

/// Known issue (docs/RELIABILITY.md, finding 2): when a node's database is rolled back together
/// with the lease file beside it (a VM snapshot, a whole-directory backup restored in place), the
/// node cannot tell at start-up; it learns it at its first round with a neighbour (fingerprints,
/// cursors) and only then takes a new epoch. This test records the start-up check. The
/// documented restore (replica.sqlite only) is detected at once, as the tests above show.
@Suite("Chaos harness: known issues", .serialized)
struct ChaosKnownIssueTests {
    @Test("a restore of database and lease together keeps the old epoch")
    func restoreWithLease() throws {
        // The first of these seeds whose backup is behind the street (a backup that is not behind
        // may rightly keep its epoch); seed 1 is, in every run seen so far.
        for seed: UInt64 in [1, 6, 4] {
            var options = ChaosOptions()
        options.topology = .nine
            options.seed = seed
            options.steps = 10
            options.healTimeout = 30
            options.restoreWithLease = true
            let report = try Chaos.run(options)
            #expect(report.faults.contains { $0.contains("restored from its backup") }, "the restore did not happen\n\(report.text)")
            if report.faults.contains(where: { $0.contains("was not behind") }) { continue }
            // Intermittent: when the street's first round with a neighbour comes before the
            // harness looks (a loaded machine, a fast round), the rollback is found there.
            withKnownIssue("a rollback of database and lease together is not detected: same epoch, same database id", isIntermittent: true) {
                #expect(!report.violations.contains { $0.0 == .restoreEpoch }, "\(report.text)")
            }
            return
        }
        Issue.record("none of the seeds restored a backup that was behind the street")
    }
}
