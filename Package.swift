// swift-tools-version:6.0
// rootsync: sync for grassroots government data (根数据库) across city, district, street and community.
// No Swift package dependencies by design: C system libraries enter through system-library targets only.
import PackageDescription

let package = Package(
    name: "rootsync",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rootsync", targets: ["rootsync"]),
    ],
    targets: [
        // C system libraries: a modulemap and shim.h each, nothing else.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CGnuTLS", path: "Sources/CGnuTLS", pkgConfig: "gnutls", providers: [.apt(["libgnutls28-dev"])]),

        // The only Swift module that sees CSQLite.
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        // Ordered JSON with a strict, depth-limited parser: CLI output, files and the wire format.
        .target(name: "JSON"),
        // Streaming CSV (RFC 4180) in UTF-8 or GB18030, as Chinese Excel saves it.
        .target(name: "CSV"),
        // A small, strict reader and writer of .xlsx workbooks (ZIP + SpreadsheetML) on zlib.
        .target(name: "XLSX", dependencies: ["CZlib", "Standards"]),
        // National standards: ID numbers, credit codes, division codes, code sets, item formats.
        .target(name: "Standards", resources: [.copy("Resources")]),
        // 政务数据目录: resources, fields, groups, code sets, sharing rules; record validation.
        .target(name: "Catalogue", dependencies: ["JSON", "Standards"], resources: [.copy("Resources")]),
        // Causal metadata and merge rules, pure: actors, dots, version vectors, HLC, winners, tags.
        .target(name: "Causality", dependencies: ["JSON", "Standards"]),
        // Sharing (用), pure: data requests and grants, quality checks (校核), ratings (评价), who
        // decides and answers, working-day deadlines and overdue flags, the city's figures.
        .target(name: "Sharing", dependencies: ["JSON", "Standards", "Catalogue"]),
        // One node's SQLite replica: schema from the catalogue, capture, versions, apply, conflicts.
        .target(name: "Replica", dependencies: ["SQLite", "Catalogue", "Causality", "Standards", "JSON", "Sync", "Sharing"]),
        // Importing sheets (CSV, xlsx) into a replica row by row, with reject files: the CLI and the web app.
        .target(name: "Importing", dependencies: ["Replica", "Catalogue", "CSV", "XLSX", "JSON", "Standards"]),
        // Sync core, pure (no sockets, no files): topology, wire format, cursors, routing.
        .target(name: "Sync", dependencies: ["JSON", "Standards", "Causality"]),
        // HTTP: libmicrohttpd server and libcurl client, with gzip; the only modules that see them.
        .target(name: "Transport", dependencies: ["CMicroHTTPD", "CCurl", "CZlib", "CGnuTLS"]),
        // SHA-256, secure random tokens: the only module that sees OpenSSL.
        .target(name: "Crypto", dependencies: ["COpenSSL"]),
        // The node runtime: the parent's service, the child's sync round, the agent.
        // Its web app (一表通) ships as files in Web/, read from the module's resource bundle.
        .target(name: "Node", dependencies: ["Replica", "Catalogue", "Sync", "Causality", "JSON", "Transport", "Crypto", "Standards", "Sharing", "Importing", "XLSX"],
                resources: [.copy("Web")]),
        // Commands and runtime of the agent.
        .target(name: "Agent", dependencies: ["SQLite", "Standards", "JSON", "Catalogue", "Replica", "CSV", "XLSX", "Importing", "Sync", "Node", "Crypto", "Sharing"]),
        .executableTarget(name: "rootsync", dependencies: ["Agent"]),
        // Shared by the tests, the bench and the chaos harness, never by rootsync: SplitMix64 and test
        // seeds, loopback ports and connections, programs and agents run as child processes, a
        // hierarchy of real agents on loopback.
        .target(name: "TestSupport", dependencies: ["JSON", "Standards"]),
        // Scripts/bench: ratios against SQLite's own limits (release build; see docs/BENCHMARKS.md).
        .executableTarget(name: "rootsync-bench", dependencies: ["Replica", "SQLite", "Catalogue", "Standards", "JSON", "Causality", "Sync", "Transport", "Node", "TestSupport"], path: "Sources/Bench"),

        // Scripts/chaos: the fault-injection harness (real agents, SIGKILL, cut links, a restore, replays)
        // and its CLI; the library reads replicas through SQLite and drives the rootsync binary.
        .target(name: "Chaos", dependencies: ["SQLite", "JSON", "Standards", "Replica", "TestSupport"]),
        .executableTarget(name: "rootsync-chaos", dependencies: ["Chaos", "TestSupport"], path: "Sources/ChaosMain"),

        .testTarget(name: "CLibraryTests", dependencies: ["CSQLite", "CCurl", "CMicroHTTPD", "CZlib"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "CausalityTests", dependencies: ["Causality", "TestSupport"]),
        .testTarget(name: "CatalogueTests", dependencies: ["Catalogue"]),
        .testTarget(name: "SharingTests", dependencies: ["Sharing", "Catalogue", "Standards", "JSON"]),
        .testTarget(name: "ReplicaTests", dependencies: ["Replica", "TestSupport"]),
        .testTarget(name: "SyncTests", dependencies: ["Sync"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "TestSupport"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "NodeTests", dependencies: ["Node", "XLSX", "TestSupport"]),
        .testTarget(name: "CSVTests", dependencies: ["CSV", "TestSupport"]),
        .testTarget(name: "XLSXTests", dependencies: ["XLSX", "TestSupport"]),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"]),
        .testTarget(name: "StandardsTests", dependencies: ["Standards", "TestSupport"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "rootsync", "XLSX", "TestSupport"]),
        // Real agents as separate processes on loopback, syncing real SQLite files.
        .testTarget(name: "IntegrationTests", dependencies: ["rootsync", "JSON", "Standards", "SQLite", "Replica", "Node", "TestSupport", "Sharing"]),
        // A few short seeds of the chaos harness (Scripts/chaos runs many).
        .testTarget(name: "ChaosTests", dependencies: ["Chaos", "rootsync", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
