import Catalogue
import JSON
import Replica
import Standards

/// One import of rows into one resource, the same for `rootsync import` and the web app: rows
/// are read one at a time and written in chunks inside one transaction; a row the validator
/// refuses is recorded with its problems and its chunk written again without it, so later rows
/// see exactly the state they would have seen had the bad rows not been in the file. Nothing is
/// kept unless every row passed, or the caller asked to keep the valid ones; a dry run keeps
/// nothing either way.
public final class ImportRun {
    /// What the import did, for the summary.
    public struct Tally {
        public var rows = 0
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        public var rejected = 0
        public var problemCount = 0
        /// The first `maxProblems` problems (the rest are only counted: bounded memory).
        public var problems: [ValidationIssue] = []
        public var imported: Int { created + updated + unchanged }
    }

    public enum Mode {
        /// All rows or none.
        case allOrNothing
        /// The valid rows; the others go to the reject writer.
        case keepValid
        /// Check every row as a real import would, write nothing (the web app's first step).
        case dryRun
    }

    /// Rows written per `putAll` call (one savepoint each); a chunk is the unit of retry.
    public static let chunkSize = 1_000
    public static let maxProblems = 1_000

    let replica: Replica
    let resource: Resource
    let source: any ImportSource
    let mode: Mode
    let rejectPath: String?
    public private(set) var tally = Tally()
    /// The reject writer, once a row was refused (only with `.keepValid` or `.dryRun`).
    public private(set) var rejects: RejectWriter?

    public init(replica: Replica, resource: Resource, source: any ImportSource, mode: Mode, rejectPath: String? = nil) {
        self.replica = replica
        self.resource = resource
        self.source = source
        self.mode = mode
        self.rejectPath = rejectPath
    }

    /// Thrown inside the transaction to roll it back.
    private struct RollBack: Error {}

    /// Runs the import; true when it was kept (committed), false when it was rolled back because
    /// rows were refused under `.allOrNothing` or because it was a dry run. `progress` is told the
    /// count of rows read every `progressEvery` rows.
    public func run(progressEvery: Int = 100_000, progress: (Int) -> Void = { _ in }) throws -> Bool {
        do {
            try replica.transaction {
                var chunk: [ImportRow] = []
                chunk.reserveCapacity(Self.chunkSize)
                while let row = try source.next() {
                    tally.rows += 1
                    chunk.append(row)
                    if chunk.count == Self.chunkSize {
                        try write(chunk)
                        chunk.removeAll(keepingCapacity: true)
                    }
                    if tally.rows % progressEvery == 0 { progress(tally.rows) }
                }
                try write(chunk)
                if mode == .dryRun || (tally.rejected > 0 && mode == .allOrNothing) { throw RollBack() }
            }
        } catch is RollBack {
            try rejects?.close()
            return false
        } catch {
            try? rejects?.close()
            throw error
        }
        try rejects?.close()
        return true
    }

    private func write(_ rows: [ImportRow]) throws {
        guard !rows.isEmpty else { return }
        var bad: [Int: [ValidationIssue]] = [:]
        var indexByLine: [Int: Int] = [:]
        for (i, row) in rows.enumerated() {
            indexByLine[row.line] = i
            if row.patch == nil || !row.issues.isEmpty { bad[i] = row.issues }
        }
        var attempts = 0
        while true {
            let good = rows.indices.filter { bad[$0] == nil }
            if good.isEmpty { break }
            do {
                let results = try replica.putAll(resource.name, good.lazy.map { (line: rows[$0].line, patch: rows[$0].patch!) })
                for result in results {
                    if result.created { tally.created += 1 } else if result.groups.isEmpty { tally.unchanged += 1 } else { tally.updated += 1 }
                }
                break
            } catch ReplicaError.invalid(let issues) {
                attempts += 1
                let tried = Set(good)
                var attributed = false
                for issue in issues {
                    guard let line = issue.line, let i = indexByLine[line], tried.contains(i) else { continue }
                    bad[i, default: []].append(issue)
                    attributed = true
                }
                // Rows refused in one pass wrote nothing, so a second pass without them succeeds;
                // should it not, stop rather than loop.
                if !attributed || attempts > 5 { throw ReplicaError.invalid(issues) }
            }
        }
        for i in bad.keys.sorted() {
            let issues = bad[i]!
            tally.rejected += 1
            tally.problemCount += issues.count
            for issue in issues where tally.problems.count < Self.maxProblems { tally.problems.append(issue) }
            if mode != .allOrNothing {
                if rejects == nil { rejects = try source.rejectWriter(path: rejectPath) }
                try rejects!.write(rows[i].raw, reason: Self.reason(issues, resource))
            }
        }
    }

    /// The reason column: every problem of the row, naming its field, without the line prefix.
    public static func reason(_ issues: [ValidationIssue], _ r: Resource) -> String {
        issues.map { issue in
            let message = issue.messageZhWithoutLine
            guard !issue.field.isEmpty, let item = r.field(issue.field) else { return message }
            return "\(item.label)（\(item.name)）：\(message)"
        }.joined(separator: "；")
    }
}
