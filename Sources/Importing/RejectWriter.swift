import CSV
import XLSX

/// Where refused rows go, each with the reason, so the clerk can fix them and import the file again.
public protocol RejectWriter: AnyObject {
    func write(_ raw: ImportRow.Raw, reason: String) throws
    func close() throws
    /// The file written, for a writer made without a path (after `close()`).
    var bytes: [UInt8] { get }
}

/// The rejected cells in the input's columns, an old 错误原因 column dropped (the new reason
/// replaces it), cells beyond the header kept, and the reason last.
struct RejectColumns {
    let kept: [Int]
    let width: Int

    init(header: [String]) {
        kept = header.indices.filter { header[$0] != ImportReserved.reasonColumn }
        width = header.count
    }

    func row(_ record: [String], reason: String) -> [String] {
        var fields = kept.map { $0 < record.count ? record[$0] : "" }
        if record.count > width { fields += record[width...] }
        return fields + [reason]
    }
}

/// CSV with the input's header plus a last column 错误原因, UTF-8 with BOM and CRLF (for Excel).
public final class CSVRejectWriter: RejectWriter {
    private let writer: CSVWriter
    private let columns: RejectColumns

    /// Writes to `path`, or into memory when it is nil.
    public init(path: String?, header: [String]) throws {
        if let path {
            do { writer = try CSVWriter(path: path, bom: true) } catch let error as CSVError {
                throw ImportFileError(error.chinese, error.english)
            }
        } else {
            writer = CSVWriter(bom: true)
        }
        columns = RejectColumns(header: header)
        try writer.write(columns.kept.map { header[$0] } + [ImportReserved.reasonColumn])
    }

    public func write(_ raw: ImportRow.Raw, reason: String) throws {
        guard case .cells(let record) = raw else { return }
        try writer.write(columns.row(record, reason: reason))
    }

    public func close() throws {
        do { try writer.close() } catch let error as CSVError { throw ImportFileError(error.chinese, error.english) }
    }

    public var bytes: [UInt8] { writer.bytes }
}

/// An xlsx workbook with the input's header plus a last column 错误原因, every cell text.
public final class XLSXRejectWriter: RejectWriter {
    private let writer: XLSXWriter
    private let columns: RejectColumns

    public init(path: String?, header: [String]) throws {
        columns = RejectColumns(header: header)
        let widths = columns.kept.map { _ in 18 } + [60]
        do {
            writer = try path.map { try XLSXWriter(path: $0, sheetName: "拒收", columnWidths: widths) } ?? XLSXWriter(sheetName: "拒收", columnWidths: widths)
            try writer.write((columns.kept.map { header[$0] } + [ImportReserved.reasonColumn]).map { .text($0) })
        } catch let error as XLSXError {
            throw ImportFileError(error.chinese, error.english)
        }
    }

    public func write(_ raw: ImportRow.Raw, reason: String) throws {
        guard case .cells(let record) = raw else { return }
        do { try writer.write(columns.row(record, reason: reason).map { .text($0) }) } catch let error as XLSXError {
            throw ImportFileError(error.chinese, error.english)
        }
    }

    public func close() throws {
        do { try writer.close() } catch let error as XLSXError { throw ImportFileError(error.chinese, error.english) }
    }

    public var bytes: [UInt8] { writer.bytes }
}
