import SQLite

/// Counts for monitoring (`/metrics`), through the Replica's API so that the server needs none
/// of its tables' SQL. Each is cheap on a large replica (measured in docs/OPERATIONS.md):
/// index counts, or for versions an update of the last tally.
extension Replica {
    /// Visible records per resource of the catalogue in force (each a count over the resource
    /// table's smallest index: about 8 ms for 500,000 records).
    public func recordCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in catalogue.resources { out[r.name] = try db.scalarInt("SELECT count(*) FROM \(Database.quote(r.name))") ?? 0 }
        return out
    }

    /// Versions held per resource: `tally` plus the runs stored after it, in one read snapshot.
    /// Run ids only grow, so those are the runs with a larger id; when fewer runs are left than
    /// that accounts for (records moved away and purged, a repair), everything is counted again.
    public func versionCounts(updating tally: VersionTally?) throws -> VersionTally {
        try db.transaction(.deferred) {
            let runs = try db.scalarInt("SELECT count(*) FROM _rs_version") ?? 0
            if var t = tally, runs >= t.runs {
                var added = 0
                var newest = t.through
                var sums: [String: Int] = [:]
                try db.forEach("""
                    SELECT r.resource, sum(v.n), count(*), max(v.id) FROM _rs_version v JOIN _rs_record r ON r.id = v.record
                    WHERE v.id > ? GROUP BY r.resource
                    """, t.through) { row in
                    sums[row.string(0)] = row.int(1)
                    added += row.int(2)
                    newest = max(newest, row.int64(3))
                }
                if t.runs + added == runs {
                    for (resource, n) in sums { t.perResource[resource, default: 0] += n }
                    for r in catalogue.resources where t.perResource[r.name] == nil { t.perResource[r.name] = 0 }
                    t.runs = runs
                    t.through = newest
                    return t
                }
            }
            var t = VersionTally()
            t.runs = runs
            for r in catalogue.resources { t.perResource[r.name] = 0 }
            try db.forEach("""
                SELECT r.resource, sum(v.n), count(*), max(v.id) FROM _rs_version v JOIN _rs_record r ON r.id = v.record GROUP BY r.resource
                """) { row in
                t.perResource[row.string(0)] = row.int(1)
                t.through = max(t.through, row.int64(3))
            }
            return t
        }
    }

    /// Open conflicts (one per conflicted field group, as `rootsync conflicts` lists them), direct
    /// writes that failed validation, and versions set aside after the parent refused them.
    public func problemCounts() throws -> (openConflicts: Int, invalidWrites: Int, setAside: Int) {
        let conflicts = try db.scalarInt("""
            SELECT coalesce(sum(length(conflicts) - length(replace(conflicts, ',', '')) + 1), 0)
            FROM _rs_record WHERE conflicts <> ''
            """) ?? 0
        return (conflicts, try db.scalarInt("SELECT count(*) FROM _rs_invalid") ?? 0,
                try db.scalarInt("SELECT count(*) FROM _rs_set_aside") ?? 0)
    }
}
