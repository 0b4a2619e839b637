import Foundation
import JSON
import Replica
import SQLite
import Standards

/// The person rows every measurement uses: valid 18-digit IDs (distinct up to 1,000 per birth
/// date), sex and birth date agreeing with the ID, a community of the demo topology, a phone.
struct PersonRow {
    let id: String
    let name: String
    let sex: String
    let birthDate: String
    let community: String
    let phone: String

    static let community = "150603002001"
    private static let names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周婷", "吴强",
                                "徐丽", "孙杰", "马超", "朱琳", "胡斌", "郭燕"]

    static func generate(_ n: Int) -> [PersonRow] {
        precondition(n <= 1_000 * 28 * 12 * 40, "at most 13,440,000 distinct IDs")
        var rows: [PersonRow] = []
        rows.reserveCapacity(n)
        for i in 0..<n {
            let k = i / 1000, s = i % 1000
            let year = 1950 + k / (28 * 12), month = (k / 28) % 12 + 1, day = k % 28 + 1
            let ymd = String(format: "%04d%02d%02d", year, month, day)
            let body = "150603" + ymd + String(format: "%03d", s)
            let id = CitizenID.complete(body)!
            rows.append(PersonRow(id: id, name: names[i % names.count], sex: s % 2 == 1 ? "1" : "2",
                                  birthDate: String(format: "%04d-%02d-%02d", year, month, day),
                                  community: community, phone: "13" + String(format: "%09d", i)))
        }
        return rows
    }

    var patch: JSONObject {
        JSONObject([("id_number", .string(id)), ("name", .string(name)), ("sex", .string(sex)),
                    ("birth_date", .string(birthDate)), ("community_code", .string(community)), ("phone", .string(phone))])
    }

    var arguments: [SQLBindable?] { [id, name, sex, birthDate, community, phone] }
    static let insertSQL = "INSERT INTO person(id_number, name, sex, birth_date, community_code, phone) VALUES(?, ?, ?, ?, ?, ?)"
}

enum Bench {
    /// Wall-clock seconds of `body`; the CPU seconds this thread spent in it are left in `lastCPU`
    /// (less sensitive than wall time to other work on a shared machine, so reported beside it).
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let cpuStart = threadCPU()
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        lastCPU = threadCPU() - cpuStart
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    nonisolated(unsafe) static var lastCPU = 0.0

    static func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Plain SQL inserts in one transaction through one prepared statement, as any program would.
    static func insert(_ rows: [PersonRow], into db: Database) throws {
        try db.transaction {
            let statement = try db.statement(PersonRow.insertSQL)
            for r in rows {
                try statement.bind(r.arguments)
                while try statement.step() {}
            }
            statement.reset()
        }
    }

    /// The `person` table of a replica as SQL (table and indexes, no triggers), to build a plain
    /// table with exactly the same columns and indexes.
    static func personDDL(of replica: Replica) throws -> [String] {
        try Database(path: replica.path).all("""
            SELECT sql FROM sqlite_master WHERE tbl_name = 'person' AND type IN ('table', 'index') AND sql IS NOT NULL
            ORDER BY type DESC
            """) { $0.string(0) }
    }

    static func plainDatabase(_ path: String, ddl: [String]) throws -> Database {
        let db = try Database(path: path)  // same options as a replica: WAL, synchronous=NORMAL
        for s in ddl { try db.execute(s) }
        return db
    }

    static func count(_ db: Database, _ sql: String) throws -> Int { try db.scalarInt(sql) ?? -1 }

    /// A changeset of `source`'s person rows exactly as stored, recorded by SQLite's session
    /// extension while inserting them into a plain table (same columns and indexes) at `scratch`.
    static func changeset(from source: Database, ddl: [String], scratch: String) throws -> [UInt8] {
        let columns = try source.columnNames(of: "person")
        let select = "SELECT " + columns.map(Database.quote).joined(separator: ", ") + " FROM person ORDER BY rowid"
        let insertAll = "INSERT INTO person(" + columns.map(Database.quote).joined(separator: ", ") + ") VALUES("
            + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let recorded = try plainDatabase(scratch, ddl: ddl)
        let session = try ChangesetSession(database: recorded, tables: ["person"])
        try recorded.transaction {
            let statement = try recorded.statement(insertAll)
            try source.forEach(select) { row in
                try statement.bind((0..<columns.count).map { row.value($0) })
                while try statement.step() {}
            }
            statement.reset()
        }
        return try session.changeset()
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
