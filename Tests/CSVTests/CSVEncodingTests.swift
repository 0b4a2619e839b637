import CSV
import Testing
import TestSupport

@Suite struct CSVEncodingTests {
    static let text = "姓名,身份证号\n张三,11010519491231002X\n𠀀丽,\"多\r\n行,“引号”\"\n€,ÿ\n"
    static let expected = [
        ["姓名", "身份证号"],
        ["张三", "11010519491231002X"],
        ["𠀀丽", "多\r\n行,“引号”"],
        ["€", "ÿ"],
    ]

    @Test func testDataHasAFourByteSequence() {
        let bytes = GB18030.encode(Self.text)
        // U+20000 is 95 32 82 36 in GB18030.
        #expect(bytes.indices.contains { i in Array(bytes[i...].prefix(4)) == [0x95, 0x32, 0x82, 0x36] })
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 11, CSVReader.defaultChunkSize])
    func gb18030SplitAcrossChunks(chunk: Int) throws {
        let bytes = GB18030.encode(Self.text)
        for encoding in [CSVEncoding.gb18030, .automatic] {
            let r = try CSVReader(bytes: bytes, encoding: encoding, chunkSize: chunk)
            #expect(r.encoding == .gb18030)
            var got: [[String]] = []
            var lines: [Int] = []
            while let rec = try r.nextRecord() {
                got.append(rec)
                lines.append(r.recordLine)
            }
            #expect(got == Self.expected)
            #expect(lines == [1, 2, 3, 5])
        }
    }

    @Test func everyTwoChunkSplitOfGB18030() throws {
        // Put a chunk boundary at every byte offset of a short line with 2- and 4-byte characters.
        let bytes = GB18030.encode("𠀀张,三𠀀\n")
        for chunk in 1...bytes.count {
            #expect(try records(bytes, encoding: .gb18030, chunk: chunk) == [["𠀀张", "三𠀀"]])
        }
    }

    @Test func gb18030BOMIsDropped() throws {
        let bytes: [UInt8] = [0x84, 0x31, 0x95, 0x33] + GB18030.encode("名,值\n")
        #expect(try records(bytes, encoding: .gb18030) == [["名", "值"]])
    }

    @Test(arguments: [1, 3, CSVReader.defaultChunkSize])
    func invalidGB18030IsAnErrorOnItsLine(chunk: Int) {
        let bytes = GB18030.encode("甲,乙\n\"丙\n丁\",") + [0x80] + GB18030.encode("戊\n")
        let e = readError(bytes, encoding: .gb18030, chunk: chunk)
        #expect(e?.kind == .invalidEncoding)
        #expect(e?.line == 3)
        #expect(readError(GB18030.encode("甲\n") + [0xFF, 0x30], encoding: .gb18030, chunk: chunk)?.kind == .invalidEncoding)
    }

    @Test(arguments: [1, 2, CSVReader.defaultChunkSize])
    func gb18030TruncatedAtEndOfFile(chunk: Int) {
        let e = readError(GB18030.encode("甲\n乙") + [0x95, 0x32], encoding: .gb18030, chunk: chunk)
        #expect(e?.kind == .invalidEncoding)
        #expect(e?.line == 2)
    }

    @Test func automaticPrefersUTF8WhenValid() throws {
        let r = try CSVReader(bytes: Array(Self.text.utf8))
        #expect(r.encoding == .utf8)
        #expect(try r.readAll() == Self.expected)
        // Pure ASCII reads the same either way.
        #expect(try CSVReader(bytes: Array("a,b\n".utf8)).encoding == .utf8)
    }

    @Test func automaticAcceptsAUTF8CharacterCutByTheSample() throws {
        // The 64 KiB sample ends inside "中": still UTF-8.
        let prefix = String(repeating: "a", count: CSVReader.detectionBytes - 1)
        let text = prefix + "中\n"
        let r = try CSVReader(bytes: Array(text.utf8), chunkSize: 1000)
        #expect(r.encoding == .utf8)
        #expect(try r.readAll() == [[text.dropLast().description]])
    }

    @Test func automaticDetectsGB18030EvenWhenTheTextIsValidLooking() throws {
        // "中文" in GB18030 (D6 D0 CE C4) is not valid UTF-8.
        let r = try CSVReader(bytes: GB18030.encode("中文\n"))
        #expect(r.encoding == .gb18030)
        #expect(try r.readAll() == [["中文"]])
    }

    @Test func gbkLateInAnASCIIFileReadAsUTF8IsAnError() {
        // Detection looks at the first 64 KiB only; later GBK bytes are reported, not mis-decoded.
        let ascii = String(repeating: "0123456789\n", count: 7000)
        let e = readError(GB18030.encode(ascii + "张三\n"))
        #expect(e?.kind == .invalidEncoding)
        #expect(e?.line == 7001)
        #expect(e?.chinese.contains("GB18030") == true)
    }

    @Test func encodingNames() {
        #expect(CSVEncoding(name: "UTF-8") == .utf8)
        #expect(CSVEncoding(name: "utf_8") == .utf8)
        #expect(CSVEncoding(name: "GBK") == .gb18030)
        #expect(CSVEncoding(name: "auto") == .automatic)
        #expect(CSVEncoding(name: "latin1") == nil)
    }
}
