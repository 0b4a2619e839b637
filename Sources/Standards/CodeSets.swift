import Foundation

/// All code sets shipped in `Resources/codesets/`, loaded once from their data files.
///
/// Code sets are data, not Swift literals, so a new edition is a file change; adding a file to
/// the folder makes it available by its id without touching code.
public struct CodeSets: Sendable, Equatable {
    /// Sets ordered by id.
    public let all: [CodeSet]

    public init(_ sets: [CodeSet]) {
        all = sets.sorted { $0.id < $1.id }
    }

    /// The set with this id (`GB/T 2261.1`) or full designation (`GB/T 2261.1-2003`).
    public subscript(id: String) -> CodeSet? {
        all.first { $0.id == id || $0.designation == id }
    }

    /// Loads every `.tsv` file in `directory`.
    public static func load(directory: URL) throws -> CodeSets {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "tsv" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let sets = try files.map(CodeSet.load)
        var ids: Set<String> = []
        for set in sets where !ids.insert(set.id).inserted {
            throw StandardsDataError(source: directory.lastPathComponent, line: 0, reason: "two files define \(set.id)")
        }
        return CodeSets(sets)
    }

    /// Loads the shipped code sets, reporting any problem.
    public static func loadBundled() throws -> CodeSets {
        try load(directory: StandardsResources.url("codesets"))
    }

    /// The shipped code sets, loaded once on first use. A broken shipped file is a packaging bug,
    /// so this stops with the file and line; call `loadBundled()` to handle the error instead.
    public static let bundled: CodeSets = {
        do {
            return try loadBundled()
        } catch {
            fatalError("Standards: bundled code sets cannot be loaded: \(error)")
        }
    }()

    /// GB/T 2261.1 人的性别代码.
    public static var sex: CodeSet { bundled.required("GB/T 2261.1") }
    /// GB/T 2261.2 婚姻状况代码.
    public static var marital: CodeSet { bundled.required("GB/T 2261.2") }
    /// GB/T 3304 民族代码.
    public static var ethnic: CodeSet { bundled.required("GB/T 3304") }
    /// GB/T 4761 家庭关系代码.
    public static var relation: CodeSet { bundled.required("GB/T 4761") }
    /// GB/T 4762 政治面貌代码.
    public static var political: CodeSet { bundled.required("GB/T 4762") }

    private func required(_ id: String) -> CodeSet {
        guard let set = self[id] else { fatalError("Standards: code set \(id) is not shipped in Resources/codesets") }
        return set
    }
}
