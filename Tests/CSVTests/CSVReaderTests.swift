import CSV
import Glibc
import Testing

@Suite struct CSVReaderTests {
    @Test(arguments: chunkSizes)
    func basicFieldsAndLineEnds(chunk: Int) throws {
        let text = "姓名,身份证号,备注\r\n张三,11010519491231002X,\n李四,,\"有,逗号\"\r\n"
        #expect(try records(text, chunk: chunk) == [
            ["姓名", "身份证号", "备注"],
            ["张三", "11010519491231002X", ""],
            ["李四", "", "有,逗号"],
        ])
    }

    @Test(arguments: chunkSizes)
    func quotedFieldsWithEscapesAndLineBreaks(chunk: Int) throws {
        let text = "\"a \"\"quoted\"\" word\",\"line1\nline2\",\"cr\r\nlf\",\"\"\n"
        #expect(try records(text, chunk: chunk) == [["a \"quoted\" word", "line1\nline2", "cr\r\nlf", ""]])
    }

    @Test(arguments: chunkSizes)
    func finalLineWithoutNewline(chunk: Int) throws {
        #expect(try records("a,b\nc,d", chunk: chunk) == [["a", "b"], ["c", "d"]])
        #expect(try records("a,b\n\"c\"", chunk: chunk) == [["a", "b"], ["c"]])
        #expect(try records("a,", chunk: chunk) == [["a", ""]])
        #expect(try records("\"x\",", chunk: chunk) == [["x", ""]])
    }

    @Test(arguments: chunkSizes)
    func emptyFields(chunk: Int) throws {
        #expect(try records(",,\n,\n\"\"\n", chunk: chunk) == [["", "", ""], ["", ""], [""]])
    }

    @Test(arguments: chunkSizes)
    func blankLinesAreSkipped(chunk: Int) throws {
        #expect(try records("\n\r\n\na\n\n\r\nb\r\n\r\n", chunk: chunk) == [["a"], ["b"]])
        #expect(try records("", chunk: chunk) == [])
        #expect(try records("\r\n\n", chunk: chunk) == [])
    }

    @Test(arguments: chunkSizes)
    func trailingCarriageReturnAndBareCR(chunk: Int) throws {
        #expect(try records("a,b\r", chunk: chunk) == [["a", "b"]])
        #expect(try records("a,b\rc\r\rd", chunk: chunk) == [["a", "b"], ["c"], ["d"]])
    }

    @Test(arguments: chunkSizes)
    func utf8BOMIsDropped(chunk: Int) throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("名称,值\n甲,1\n".utf8)
        for encoding in CSVEncoding.allCases {
            let r = try CSVReader(bytes: bytes, encoding: encoding, chunkSize: chunk)
            #expect(r.encoding == .utf8)
            #expect(try r.readAll() == [["名称", "值"], ["甲", "1"]])
        }
        // Only the first BOM is a BOM; a later U+FEFF is data.
        #expect(try records([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x61], chunk: chunk) == [["\u{FEFF}a"]])
    }

    @Test(arguments: chunkSizes)
    func recordLineCountsPhysicalLines(chunk: Int) throws {
        let text = "a,b\r\n\"x\r\ny\",z\n\n\"p\nq\nr\"\nlast\r\n\r\n\"\n\",\"\r\r\"\rend"
        let got = try recordsWithLines(Array(text.utf8), chunk: chunk)
        #expect(got.map(\.0) == [1, 2, 5, 8, 10, 14])
        #expect(got.map(\.1) == [["a", "b"], ["x\r\ny", "z"], ["p\nq\nr"], ["last"], ["\n", "\r\r"], ["end"]])
    }

    @Test(arguments: chunkSizes)
    func unterminatedQuoteCitesWhereItBegan(chunk: Int) {
        let e = readError(Array("a\nb,\"open\nmore\nstill\n".utf8), chunk: chunk)
        #expect(e?.kind == .unterminatedQuote)
        #expect(e?.line == 2)
    }

    @Test(arguments: chunkSizes)
    func strayQuoteInUnquotedField(chunk: Int) {
        let e = readError(Array("a,b\n\"multi\nline\",ab\"c\n".utf8), chunk: chunk)
        #expect(e?.kind == .strayQuote)
        #expect(e?.line == 3)
    }

    @Test(arguments: chunkSizes)
    func textAfterClosingQuote(chunk: Int) {
        let e = readError(Array("x\r\ny\r\n\"ab\"c\r\n".utf8), chunk: chunk)
        #expect(e?.kind == .textAfterQuote)
        #expect(e?.line == 3)
    }

    @Test(arguments: chunkSizes)
    func fieldOverLimit(chunk: Int) {
        let ok = "1234567890,\"123456789\"\"\"\n"
        #expect(readError(Array(ok.utf8), chunk: chunk, maxFieldBytes: 10) == nil)
        let e = readError(Array("ok\n12345678901\n".utf8), chunk: chunk, maxFieldBytes: 10)
        #expect(e?.kind == .fieldTooLong)
        #expect(e?.line == 2)
        let q = readError(Array("ok\n\"12345\n678901\"\n".utf8), chunk: chunk, maxFieldBytes: 10)
        #expect(q?.kind == .fieldTooLong)
        #expect(q?.line == 2)
    }

    @Test func unterminatedQuoteOnHugeInputStopsAtTheFieldLimit() {
        let bytes = Array("a,\"".utf8) + [UInt8](repeating: 0x61, count: 3 << 20)
        let e = readError(bytes)
        #expect(e?.kind == .fieldTooLong)
        #expect(e?.line == 1)
    }

    @Test func tooManyFields() {
        let e = readError(Array("h\n".utf8) + [UInt8](repeating: 0x2C, count: 200), maxFields: 100)
        #expect(e?.kind == .tooManyFields)
        #expect(e?.line == 2)
    }

    @Test func recordOverLimit() throws {
        let field = String(repeating: "x", count: 100)
        let line = Array(repeating: field, count: 20).joined(separator: ",")
        let r = try CSVReader(bytes: Array("\(line)\n\(line)\n".utf8), maxRecordBytes: 1000)
        do {
            _ = try r.nextRecord()
            Issue.record("expected recordTooLong")
        } catch let e as CSVError {
            #expect(e.kind == .recordTooLong)
            #expect(e.line == 1)
        }
    }

    @Test(arguments: chunkSizes)
    func invalidUTF8IsAnErrorWithItsLine(chunk: Int) {
        let bytes = Array("a,b\n\"c\nd\",".utf8) + [0xE5, 0x90] + Array("\n".utf8)
        let e = readError(bytes, encoding: .utf8, chunk: chunk)
        #expect(e?.kind == .invalidEncoding)
        #expect(e?.line == 3)
        // Overlong forms and surrogates are rejected too.
        #expect(readError([0xC0, 0xAF], encoding: .utf8, chunk: chunk)?.kind == .invalidEncoding)
        #expect(readError([0xED, 0xA0, 0x80], encoding: .utf8, chunk: chunk)?.kind == .invalidEncoding)
    }

    @Test func errorsAreStickyAndMessagesBilingual() throws {
        let r = try CSVReader(bytes: Array("a\"b\nc\n".utf8))
        #expect(throws: CSVError.self) { try r.nextRecord() }
        #expect(throws: CSVError.self) { try r.nextRecord() }
        do {
            _ = try r.nextRecord()
        } catch let e as CSVError {
            #expect(e.description.contains("第 1 行"))
            #expect(e.description.contains("line 1"))
        }
    }

    @Test func endOfInputStaysEnded() throws {
        let r = try CSVReader(bytes: Array("a\n".utf8))
        #expect(try r.nextRecord() == ["a"])
        #expect(r.recordLine == 1)
        #expect(try r.nextRecord() == nil)
        #expect(try r.nextRecord() == nil)
    }

    @Test func missingFileIsAnIOError() {
        #expect {
            _ = try CSVReader(path: "/nonexistent/dir/file.csv")
        } throws: { ($0 as? CSVError)?.kind == .io }
    }

    @Test func readsFromAFileDescriptor() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let data = Array("甲,乙\n1,2\n".utf8)
        _ = data.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
        close(fds[1])
        let r = try CSVReader(fileDescriptor: fds[0], closeWhenDone: true)
        #expect(try r.readAll() == [["甲", "乙"], ["1", "2"]])
    }
}
