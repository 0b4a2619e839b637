// CI-sized runs of the chaos harness (Sources/Chaos): a few seeds, few steps, the whole fault
// menu (SIGKILL, a cut link, offline concurrent edits, a street restored from a backup, replayed
// and forged requests, a hostile community, clock skew, a second agent). ROOTSYNC_CHAOS_SEEDS="5 6 7",
// ROOTSYNC_CHAOS_NODES=9|15 and ROOTSYNC_CHAOS_STEPS=N choose others; Scripts/chaos runs many.
import Foundation
import Testing
import Chaos

@Suite("Chaos harness", .serialized)
struct ChaosTests {
    /// Seed 1 on the demo's 15 nodes by default.
    static var runs: [ChaosRunSpec] {
        let env = ProcessInfo.processInfo.environment
        let topology = env["ROOTSYNC_CHAOS_NODES"].flatMap { Int($0) }.flatMap(ChaosTopology.init(rawValue:)) ?? .fifteen
        guard let text = env["ROOTSYNC_CHAOS_SEEDS"] else { return [ChaosRunSpec(seed: 1, topology: .fifteen)] }
        return text.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { UInt64($0) }.map { ChaosRunSpec(seed: $0, topology: topology) }
    }
    static var steps: Int { Int(ProcessInfo.processInfo.environment["ROOTSYNC_CHAOS_STEPS"] ?? "") ?? 20 }

    @Test("the sync invariants hold under faults", arguments: runs)
    func seed(_ run: ChaosRunSpec) throws {
        var options = ChaosOptions()
        options.seed = run.seed
        options.topology = run.topology
        options.steps = Self.steps
        options.healTimeout = 60
        let report = try Chaos.run(options)
        // On failure the report names the seed, every fault and violation, and how to reproduce.
        #expect(report.passed, "\(report.text)")
        // The run really exercised the system: writes were accepted and the restore happened.
        #expect(report.oracleVersions > 0, "seed \(run.seed): no write was accepted\n\(report.text)")
        #expect(report.faults.contains { $0.contains("restored from its backup") }, "seed \(run.seed): the restore did not happen\n\(report.text)")
        #expect(report.checks[.noLostWrite, default: 0] > 0 && report.checks[.convergence, default: 0] > 0)
        #expect(report.checks[.clockBounds, default: 0] > 0, "the clock checks did not run\n\(report.text)")
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

/// Finding 2 (docs/RELIABILITY.md): a street's database rolled back together with the lease
/// beside it (a VM snapshot, a whole-directory restore in place). The street cannot tell at
/// start-up; what its lost future left at its neighbours tells it at its first exchanges with
/// them (its writes held above, a child's cursor beyond the positions it remembers handing out,
/// its parent having seen a newer cursor of it), and it takes a new epoch and database id then.
/// Nothing may be lost, the relay case included (chaos seed 4: a street that only relayed in its
/// lost future and refilled its route table past its community's cursor).
@Suite("Chaos harness: rollback with the lease", .serialized)
struct ChaosRollbackTests {
    @Test("a street rolled back with its lease learns it at its first exchanges, and every invariant holds")
    func restoreWithLease() throws {
        // The first of these seeds whose lost future left something at a neighbour to learn from
        // (when nothing did, keeping the epoch is safe and the run proves less).
        for seed: UInt64 in [4, 5, 6] {
            var options = ChaosOptions()
            options.topology = .nine
            options.seed = seed
            options.steps = 20
            options.healTimeout = 60
            options.restoreWithLease = true
            let report = try Chaos.run(options)
            #expect(report.passed, "\(report.text)")
            #expect(report.faults.contains { $0.contains("restored from its backup") }, "the restore did not happen\n\(report.text)")
            if report.faults.contains(where: { $0.contains("learned at its first exchanges") }) { return }
        }
        Issue.record("none of the seeds left a trace of the street's lost future at a neighbour")
    }
}

/// One CI run: a seed on a topology.
struct ChaosRunSpec: Sendable, CustomTestStringConvertible {
    let seed: UInt64
    let topology: ChaosTopology
    var testDescription: String { "seed \(seed), \(topology.rawValue) nodes" }
}
