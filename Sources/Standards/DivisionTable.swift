import Foundation

/// The GB/T 2260 administrative division codes rootsync knows, plus township (乡级) names.
///
/// Holds current and historical county-level codes together because ID numbers and old records
/// keep the code of the place and year they were issued in, and those stay valid for good.
/// Township codes (9 digits, NBS 统计用区划代码 2023) come from a separate list that covers
/// Ordos in full: a township code of a listed county must be in it, one elsewhere only lacks a name.
public struct DivisionTable: Sendable, Equatable {
    /// A 6-digit province, prefecture or county code and the years it was valid.
    public struct Division: Sendable, Hashable, Codable {
        public var code: String
        public var name: String
        /// First year-end list that carries the code.
        public var firstYear: Int
        /// Last year-end list that carries the code; nil while it is current.
        public var lastYear: Int?
        public var source: DivisionSource
        /// Other names the same code has carried (when a code was reused or renamed).
        public var otherNames: [String]

        /// False for codes that no longer appear in the current list.
        public var isCurrent: Bool { lastYear == nil }

        public init(code: String, name: String, firstYear: Int, lastYear: Int?, source: DivisionSource = .gbt2260,
                    otherNames: [String] = []) {
            self.code = code
            self.name = name
            self.firstYear = firstYear
            self.lastYear = lastYear
            self.source = source
            self.otherNames = otherNames
        }
    }

    /// A 9-digit township-level (街道/镇/乡/苏木/开发区) code.
    public struct Township: Sendable, Hashable, Codable {
        /// NBS 2023 9-digit code, the code rootsync uses.
        public var code: String
        public var name: String
        /// The 6-digit county the township belongs to.
        public var countyCode: String
        /// MCA 2025 12-digit code when the list has one; numbering differs from NBS.
        public var mcaCode: String?

        public init(code: String, name: String, countyCode: String, mcaCode: String? = nil) {
            self.code = code
            self.name = name
            self.countyCode = countyCode
            self.mcaCode = mcaCode
        }
    }

    private var divisionsByCode: [String: Division]
    private var townshipsByCode: [String: Township]
    private var countiesWithTownships: Set<String>

    /// Builds a table from rows already in memory (tests, or data from another source).
    /// A code listed twice is merged: a current row wins the name, the other names are kept.
    public init(divisions: [Division], townships: [Township] = []) {
        var byCode: [String: Division] = [:]
        for division in divisions {
            guard var existing = byCode[division.code] else {
                byCode[division.code] = division
                continue
            }
            existing.firstYear = min(existing.firstYear, division.firstYear)
            if division.isCurrent && !existing.isCurrent {
                var replacement = division
                replacement.firstYear = existing.firstYear
                replacement.otherNames = Self.merged(existing.otherNames + [existing.name], without: division.name)
                existing = replacement
            } else {
                existing.otherNames = Self.merged(existing.otherNames + [division.name] + division.otherNames,
                                                  without: existing.name)
            }
            byCode[division.code] = existing
        }
        divisionsByCode = byCode
        townshipsByCode = Dictionary(townships.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        countiesWithTownships = Set(townships.map(\.countyCode))
    }

    private static func merged(_ names: [String], without name: String) -> [String] {
        var seen: Set<String> = [name]
        return names.filter { seen.insert($0).inserted }
    }

    // MARK: Lookup

    /// The 6-digit division with this code, current or historical.
    public func division(_ code: String) -> Division? { divisionsByCode[code] }

    /// The 9-digit township with this code, if the township list has it.
    public func township(_ code: String) -> Township? { townshipsByCode[code] }

    /// True when the 6-digit code is a GB/T 2260 code of any year.
    public func contains(_ code: String) -> Bool { divisionsByCode[code] != nil }

    /// True when the township list covers this county, so a township code it lacks is wrong
    /// rather than merely unnamed.
    public func listsTownships(ofCounty countyCode: String) -> Bool { countiesWithTownships.contains(countyCode) }

    /// Townships of one county, in code order.
    public func townships(inCounty countyCode: String) -> [Township] {
        townshipsByCode.values.filter { $0.countyCode == countyCode }.sorted { $0.code < $1.code }
    }

    /// All 6-digit divisions, in code order.
    public var divisions: [Division] { divisionsByCode.values.sorted { $0.code < $1.code } }
    /// All townships, in code order.
    public var townships: [Township] { townshipsByCode.values.sorted { $0.code < $1.code } }

    // MARK: Loading

    /// Reads `gbt2260-divisions.tsv` (`code  name  first_year  last_year  source`) and optionally
    /// `ordos-townships.tsv` (`county_code  county  township  nbs2023_9digit  mca2025_12digit`).
    public static func load(divisionsTSV: URL, townshipsTSV: URL?) throws -> DivisionTable {
        let divisions = try TSVTable(contentsOf: divisionsTSV)
        let townships = try townshipsTSV.map { try TSVTable(contentsOf: $0) }
        return try DivisionTable(divisionTable: divisions, townshipTable: townships)
    }

    /// Same as `load`, from file contents already in memory.
    public static func parse(divisionsTSV: String, townshipsTSV: String? = nil) throws -> DivisionTable {
        let divisions = try TSVTable(text: divisionsTSV, source: "divisions")
        let townships = try townshipsTSV.map { try TSVTable(text: $0, source: "townships") }
        return try DivisionTable(divisionTable: divisions, townshipTable: townships)
    }

    /// Loads the tables shipped in the module's resources, reporting any problem.
    public static func loadBundled() throws -> DivisionTable {
        try load(divisionsTSV: StandardsResources.url("gbt2260-divisions.tsv"),
                 townshipsTSV: StandardsResources.url("ordos-townships.tsv"))
    }

    /// The shipped tables, loaded once on first use (a `static let` is lazy and thread-safe).
    /// A broken shipped file is a packaging bug, so this stops with the file and line; call
    /// `loadBundled()` to handle the error instead.
    public static let bundled: DivisionTable = {
        switch loadedBundle {
        case .success(let table): return table
        case .failure(let failure): fatalError("Standards: bundled division tables cannot be loaded: \(failure.reason)")
        }
    }()

    /// The shipped tables, or why they cannot be read: one load per process, shared with
    /// `bundled` (a command that reports a broken installation as an error, and the catalogue
    /// that defaults to `bundled`, used to read the files twice).
    public static func sharedBundled() throws -> DivisionTable { try loadedBundle.get() }

    /// Why the shipped tables could not be read.
    public struct BundleFailure: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    private static let loadedBundle: Result<DivisionTable, BundleFailure> = {
        do { return .success(try loadBundled()) } catch { return .failure(BundleFailure(reason: "\(error)")) }
    }()

    private init(divisionTable: TSVTable, townshipTable: TSVTable?) throws {
        let codeColumn = try divisionTable.column("code")
        let nameColumn = try divisionTable.column("name")
        let firstColumn = try divisionTable.column("first_year")
        let lastColumn = try divisionTable.column("last_year")
        let sourceColumn = try divisionTable.column("source")
        var divisions: [Division] = []
        divisions.reserveCapacity(divisionTable.rows.count)
        for row in divisionTable.rows {
            let code = row[codeColumn]
            guard code.count == 6, DigitString(code) != nil else {
                throw divisionTable.error(row, "division code must be 6 digits, found '\(code)'")
            }
            let name = row[nameColumn]
            guard !name.isEmpty else { throw divisionTable.error(row, "division \(code) has no name") }
            guard let first = Int(row[firstColumn]), (1949...2100).contains(first) else {
                throw divisionTable.error(row, "first_year must be a year, found '\(row[firstColumn])'")
            }
            let lastText = row[lastColumn]
            let last: Int?
            if lastText.isEmpty {
                last = nil
            } else if let year = Int(lastText), year >= first, year <= 2100 {
                last = year
            } else {
                throw divisionTable.error(row, "last_year must be empty (current) or a year not before \(first), found '\(lastText)'")
            }
            guard let source = DivisionSource(rawValue: row[sourceColumn]) else {
                let allowed = DivisionSource.allCases.map(\.rawValue).joined(separator: ", ")
                throw divisionTable.error(row, "source must be one of \(allowed), found '\(row[sourceColumn])'")
            }
            divisions.append(Division(code: code, name: name, firstYear: first, lastYear: last, source: source))
        }

        var townships: [Township] = []
        if let table = townshipTable {
            let countyColumn = try table.column("county_code")
            let nameColumn = try table.column("township")
            let codeColumn = try table.column("nbs2023_9digit")
            let mcaColumn = table.header.firstIndex(of: "mca2025_12digit")
            for row in table.rows {
                let county = row[countyColumn]
                let code = row[codeColumn]
                // A township the NBS list lacks has no code rootsync can use.
                if code.isEmpty { continue }
                guard code.count == 9, DigitString(code) != nil, code.hasPrefix(county) else {
                    throw table.error(row, "township code must be 9 digits starting with county \(county), found '\(code)'")
                }
                let mca = mcaColumn.map { row[$0] }.flatMap { $0.isEmpty ? nil : $0 }
                if let mca, mca.count != 12 || DigitString(mca) == nil {
                    throw table.error(row, "MCA code must be 12 digits, found '\(mca)'")
                }
                townships.append(Township(code: code, name: row[nameColumn], countyCode: county, mcaCode: mca))
            }
        }
        self.init(divisions: divisions, townships: townships)
    }
}
