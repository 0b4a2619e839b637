import Testing
import CSQLite
import CCurl
import CMicroHTTPD
import CZlib

/// The system-library targets compile, link, and their shims reach the real functions.
@Suite("System libraries")
struct SystemLibraryTests {
    @Test func sqliteHasSessionAndPreupdateDeclarations() throws {
        #expect(sqlite3_libversion_number() >= 3_035_000)
        var db: OpaquePointer?
        #expect(sqlite3_open(":memory:", &db) == SQLITE_OK)
        defer { sqlite3_close(db) }
        var session: OpaquePointer?
        // Declared only when the shim enables SQLITE_ENABLE_SESSION.
        #expect(sqlite3session_create(db, "main", &session) == SQLITE_OK)
        sqlite3session_delete(session)
        var out: Int32 = -1
        #expect(csqlite_db_config_int(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &out) == SQLITE_OK)
        #expect(out == 1)
    }

    @Test func curlTypedSetoptWorks() {
        let handle = curl_easy_init()
        #expect(handle != nil)
        defer { curl_easy_cleanup(handle) }
        #expect(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK)
        #expect(ccurl_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:9/") == CURLE_OK)
        let info = ccurl_version_info()
        #expect(info != nil)
        // gzip answers need libcurl built with zlib.
        #expect((info!.pointee.features & CURL_VERSION_LIBZ) != 0)
    }

    @Test func microhttpdStartsOnAFreePortAndStops() throws {
        var options = [MHD_OptionItem(option: .END, value: 0, ptr_value: nil)]
        let daemon = options.withUnsafeMutableBufferPointer { buf in
            cmhd_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD.rawValue, 0, nil, nil, { _, _, _, _, _, _, _, _ in .NO }, nil, buf.baseAddress)
        }
        let started = try #require(daemon)
        defer { MHD_stop_daemon(started) }
        let info = cmhd_get_daemon_info(started, .DAEMON_INFO_BIND_PORT)
        #expect((info?.pointee.port ?? 0) > 0)
        #expect(MHD_is_feature_supported(.FEATURE_TLS) == .YES)
    }

    @Test func zlibGzipRoundTrip() throws {
        let input = Array(String(repeating: "鄂尔多斯市康巴什区青春山街道 ", count: 200).utf8)
        var compressed = [UInt8](repeating: 0, count: input.count + 64)
        var stream = z_stream()
        #expect(czlib_deflate_init_gzip(&stream, 6) == Z_OK)
        var produced = 0
        input.withUnsafeBufferPointer { src in
            compressed.withUnsafeMutableBufferPointer { dst in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = UInt32(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(dst.count)
                #expect(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                produced = dst.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        #expect(produced < input.count / 10)
        #expect(compressed[0] == 0x1F && compressed[1] == 0x8B) // gzip magic

        var output = [UInt8](repeating: 0, count: input.count)
        var inflater = z_stream()
        #expect(czlib_inflate_init_gzip(&inflater) == Z_OK)
        compressed.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                inflater.next_in = src.baseAddress
                inflater.avail_in = UInt32(produced)
                inflater.next_out = dst.baseAddress
                inflater.avail_out = UInt32(dst.count)
                #expect(inflate(&inflater, Z_FINISH) == Z_STREAM_END)
            }
        }
        inflateEnd(&inflater)
        #expect(output == input)
    }
}
