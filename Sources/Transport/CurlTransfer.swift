import CCurl
import Foundation

/// What one libcurl transfer collects: status-line-delimited headers and a size-capped body.
/// Lives only for one `curl_easy_perform`, on the calling thread.
final class CurlTransfer {
    let maxBodyBytes: Int
    var headers = HTTPHeaders()
    var body: [UInt8] = []
    /// The body hit `maxBodyBytes`; the write callback refused it, curl reports a write error.
    var overflowed = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= maxBodyBytes - body.count else {
            overflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    func appendHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line (after 100 Continue, say): earlier headers belonged to it.
            headers = HTTPHeaders()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingSpaces
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { return }
        headers.add(String(name), value)
    }
}

// libcurl's data callbacks: plain functions (no captures), the transfer arrives via userdata.

func curlWriteBody(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata else { return 0 }
    let total = size * count
    guard total > 0, let data else { return total }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.appendBody(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

func curlWriteHeader(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata else { return 0 }
    let total = size * count
    guard total > 0, let data else { return total }
    Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        .appendHeaderLine(UnsafeRawBufferPointer(start: data, count: total))
    return total
}
