extension Database {
    /// Writes a consistent copy of the whole database into a new file at `path` (`VACUUM INTO`:
    /// one read transaction, so it runs beside writers in WAL mode; the copy is compact). The
    /// file must not exist yet. Not inside a transaction.
    public func copy(into path: String) throws {
        try run("VACUUM INTO ?", path)
    }

    /// `PRAGMA quick_check`: an empty list when the file is sound, else SQLite's findings.
    public func quickCheck() throws -> [String] {
        try all("PRAGMA quick_check") { $0.string(0) }.filter { $0 != "ok" }
    }

    /// Opens `path` read-only as a file nobody writes (`immutable=1`): no -wal or -shm is made or
    /// read beside it, so inspecting a backup never changes anything next to it.
    public static func openImmutable(_ path: String) throws -> Database {
        var options = Options()
        options.readOnly = true
        options.create = false
        options.walMode = false
        var escaped = ""
        for c in path.unicodeScalars {
            switch c {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(c)
            }
        }
        return try Database(path: "file:\(escaped)?immutable=1", options: options)
    }
}
