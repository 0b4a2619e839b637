import Foundation
import Glibc
import CSV

/// Reads all records of `bytes` with the given chunk size.
func records(_ bytes: [UInt8], encoding: CSVEncoding = .automatic, chunk: Int = CSVReader.defaultChunkSize,
             maxFieldBytes: Int = 1 << 20) throws -> [[String]] {
    try CSVReader(bytes: bytes, encoding: encoding, maxFieldBytes: maxFieldBytes, chunkSize: chunk).readAll()
}

func records(_ text: String, chunk: Int = CSVReader.defaultChunkSize) throws -> [[String]] {
    try records(Array(text.utf8), chunk: chunk)
}

/// Records with the physical line each began on.
func recordsWithLines(_ bytes: [UInt8], encoding: CSVEncoding = .automatic, chunk: Int) throws -> [(Int, [String])] {
    let r = try CSVReader(bytes: bytes, encoding: encoding, chunkSize: chunk)
    var out: [(Int, [String])] = []
    while let rec = try r.nextRecord() { out.append((r.recordLine, rec)) }
    return out
}

/// The error reading `bytes` throws, or nil if it reads cleanly.
func readError(_ bytes: [UInt8], encoding: CSVEncoding = .automatic, chunk: Int = CSVReader.defaultChunkSize,
               maxFieldBytes: Int = 1 << 20, maxFields: Int = 10_000) -> CSVError? {
    do {
        let r = try CSVReader(bytes: bytes, encoding: encoding, maxFieldBytes: maxFieldBytes,
                              maxFields: maxFields, chunkSize: chunk)
        while try r.nextRecord() != nil {}
        return nil
    } catch let e as CSVError {
        return e
    } catch {
        return CSVError(.io, line: -1, chinese: "意外错误", english: "unexpected error \(error)")
    }
}

/// Chunk sizes that split every multi-byte sequence and CRLF somewhere, plus the real one.
let chunkSizes = [1, 2, 3, 4, 5, 7, 13, CSVReader.defaultChunkSize]

/// A unique path in the temporary directory, removed by the caller.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("csvtests-\(UUID().uuidString)-\(name)").path
}

