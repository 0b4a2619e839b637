// libFuzzer target: the CSV importer's reader on hostile bytes (issue 6).
// bytes → CSVReader(bytes:encoding: .automatic) → records until nil or a CSVError, the first
// record also through CSVHeader. A small chunk size (chosen from the first byte) makes chunk
// boundaries fall inside quoted fields, CRLF pairs and GB18030 sequences. Small limits make the
// field/record/field-count limits reachable with 64 KiB inputs. Thrown CSVErrors are fine; a trap,
// an ASan report, a timeout, or a reader that keeps returning records after an error is a finding.
import CSV

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let all = UnsafeRawBufferPointer(start: start, count: count)
    let selector = all[0]
    let bytes = Array(all[1...])
    let chunkSizes = [CSVReader.defaultChunkSize, 1, 2, 3, 7, 64, 1000, 4096]
    let chunk = chunkSizes[Int(selector & 7)]
    let small = selector & 8 != 0
    let encoding: CSVEncoding = [.automatic, .automatic, .utf8, .gb18030][Int((selector >> 4) & 3)]
    let reader: CSVReader
    do {
        reader = try CSVReader(bytes: bytes, encoding: encoding,
                               maxFieldBytes: small ? 64 : 1 << 20, maxRecordBytes: small ? 256 : 16 << 20,
                               maxFields: small ? 8 : 10_000, chunkSize: chunk)
    } catch { return 0 }
    var first = true
    var records = 0
    while true {
        do {
            guard let record = try reader.nextRecord() else { break }
            records += 1
            if records > count + 1 { fatalError("more records (\(records)) than input bytes (\(count))") }
            if first {
                first = false
                if let header = try? CSVHeader(record, line: reader.recordLine) {
                    for name in header.names where !name.isEmpty {
                        if header.index(of: name) == nil { fatalError("header lost its own column \(name)") }
                    }
                    _ = try? header.require(["身份证号", "姓名"])
                    _ = header.value("姓名", in: record)
                }
            }
        } catch {
            // Sticky: the same error again, never a record.
            do {
                _ = try reader.nextRecord()
                fatalError("reader returned after an error: \(error)")
            } catch {}
            break
        }
    }
    reader.close()
    return 0
}
