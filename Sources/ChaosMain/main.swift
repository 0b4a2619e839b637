// rootsync-chaos: the fault-injection harness (Scripts/chaos). One report per seed; exit 1 when
// any seed violates an invariant, 2 on a usage or harness error.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Chaos
import TestSupport

let usage = """
usage: rootsync-chaos [--seed N | --seeds N [--from S]] [--nodes 15|9] [--steps N] [--keep] [--verbose]
                      [--restore-with-lease] [--dir BASE] [--interval SECONDS] [--heal-timeout SECONDS] [--binary PATH]
  --seed N          run one seed (default 1)
  --seeds N         run N seeds: S, S+1, … S+N-1 (S from --from, default 1)
  --nodes 15|9      the demo's 15 nodes (1 city, 2 districts, 4 streets, 8 communities; default)
                    or 9 (one street per district)
  --steps N         random actions per seed (default 80)
  --keep            keep each run's directory (replicas, agent logs, backup)
  --verbose         print every action and fault as it happens
  --dir BASE        where run directories are made (default: the temporary directory)
  --interval S      the agents' idle sync interval (default 1)
  --heal-timeout S  how long healing may take before a run fails (default 120)
  --binary PATH     the rootsync executable (default: next to this program)
  --restore-with-lease
                    restore the street's database in place together with its lease file
                    (a VM snapshot or whole-directory backup) instead of the documented
                    procedure (replica.sqlite only)
"""

var options = ChaosOptions()
var seeds: [UInt64] = [1]
var count: Int?
var from: UInt64 = 1
var args = Array(CommandLine.arguments.dropFirst())
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("rootsync-chaos: \(message)\n\n\(usage)\n".utf8))
    exit(2)
}
@MainActor func value(_ name: String) -> String {
    guard !args.isEmpty else { fail("\(name) needs a value") }
    return args.removeFirst()
}
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--seed": guard let s = UInt64(value(a)) else { fail("--seed needs a number") }; seeds = [s]; count = nil
    case "--seeds": guard let n = Int(value(a)), n > 0 else { fail("--seeds needs a positive number") }; count = n
    case "--from": guard let s = UInt64(value(a)) else { fail("--from needs a number") }; from = s
    case "--nodes": guard let n = Int(value(a)), let t = ChaosTopology(rawValue: n) else { fail("--nodes is 15 or 9") }; options.topology = t
    case "--steps": guard let n = Int(value(a)), n >= 5 else { fail("--steps needs a number ≥ 5") }; options.steps = n
    case "--keep": options.keep = true
    case "--verbose": options.verbose = true
    case "--dir": options.baseDirectory = value(a)
    case "--interval": guard let d = Double(value(a)), d > 0 else { fail("--interval needs seconds") }; options.interval = d
    case "--heal-timeout": guard let d = Double(value(a)), d > 0 else { fail("--heal-timeout needs seconds") }; options.healTimeout = d
    case "--binary": options.binary = value(a)
    case "--restore-with-lease": options.restoreWithLease = true
    case "-h", "--help", "help": print(usage); exit(0)
    default: fail("unknown argument \(a)")
    }
}
if let count { seeds = (0..<UInt64(count)).map { from + $0 } }

// Ctrl-C or SIGTERM: kill the agents this run started, then stop (their directories stay).
// A connection the lossy link cuts, or an agent killed mid-request, must not kill the harness.
signal(SIGPIPE, SIG_IGN)
signal(SIGINT, SIG_IGN)
signal(SIGTERM, SIG_IGN)
var signalSources: [DispatchSourceSignal] = []
for sig in [SIGINT, SIGTERM] {
    let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
    source.setEventHandler {
        Chaos.interrupted()
        FileHandle.standardError.write(Data("rootsync-chaos: interrupted; agents killed\n".utf8))
        exit(130)
    }
    source.resume()
    signalSources.append(source)
}

let started = Date()
var failed: [UInt64] = []
var harnessErrors: [UInt64] = []
var perSeed: [Double] = []
for seed in seeds {
    options.seed = seed
    print("== seed \(seed) ==")
    fflush(nil)
    do {
        let report = try Chaos.run(options)
        print(report.text)
        perSeed.append(report.seconds)
        if !report.passed { failed.append(seed) }
    } catch {
        print("seed \(seed): the harness could not run: \(error)")
        harnessErrors.append(seed)
    }
    fflush(nil)
}
let seconds = Date().timeIntervalSince(started)
if !perSeed.isEmpty {
    print(String(format: "== wall time per seed: %.1f s on average (%.1f–%.1f s)", perSeed.reduce(0, +) / Double(perSeed.count), perSeed.min()!, perSeed.max()!))
}
print("== \(seeds.count) seeds, \(options.topology.rawValue) nodes, \(options.steps) steps each, \(String(format: "%.0f", seconds)) s: \(seeds.count - failed.count - harnessErrors.count) passed, \(failed.count) failed\(failed.isEmpty ? "" : " (seeds \(failed.map(String.init).joined(separator: " ")))")\(harnessErrors.isEmpty ? "" : ", harness errors on seeds \(harnessErrors.map(String.init).joined(separator: " "))")")
exit(failed.isEmpty && harnessErrors.isEmpty ? 0 : 1)
