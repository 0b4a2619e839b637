/// Per-request state between libmicrohttpd's calls for one request, kept behind the
/// `req_cls` pointer. Only the thread owning the connection touches it.
final class RequestState {
    /// The admitted head (nil until the first call admitted it).
    var head: HTTPRequestHead?
    var caps = Admission.Caps(wireBytes: 0, inflatedBytes: 0)
    var principal: String?
    /// Set for `Content-Encoding: gzip`: the body is decoded as it arrives, never kept compressed.
    var inflater: GzipInflater?
    /// Body bytes kept so far (decoded when gzip), never more than the cap.
    var body: [UInt8] = []
    /// Bytes of the server's body budget this request holds (at least `body.capacity`).
    var reserved = 0
    /// Body bytes seen on the wire.
    var received = 0
    /// Decided while the body arrived (cap, budget, corrupt gzip): the rest of the body is read
    /// and discarded, then this is the answer.
    var failure: RequestRefusal?
    /// Body bytes discarded after `failure`.
    var drained = 0
    /// A response is already queued; later calls must not queue another.
    var answered = false
    /// For the server's observer: when the head arrived (monotonic nanoseconds), what it asked
    /// for, and what was answered.
    var startedNanoseconds: UInt64 = 0
    var method = ""
    var rawPath = ""
    var status = 0
    var bytesOut = 0

    /// Appends `chunk` within `limit` (413 past it), reserving from `budget` before the buffer
    /// grows (503 when the server's body memory is exhausted).
    func append(_ chunk: UnsafeBufferPointer<UInt8>, limit: Int, decoded: Bool, budget: BodyBudget) throws(RequestRefusal) {
        let needed = body.count + chunk.count
        if needed > limit {
            throw decoded
                ? RequestRefusal(413, zh: "解压后的请求体超过 \(limit) 字节", en: "decompressed request body is larger than \(limit) bytes")
                : RequestRefusal(413, zh: "请求体超过 \(limit) 字节", en: "request body is larger than \(limit) bytes")
        }
        if needed > body.capacity {
            let capacity = min(max(needed, body.capacity * 2, 64 * 1024), limit)
            try reserve(capacity, budget: budget)
            body.reserveCapacity(capacity)
        }
        body.append(contentsOf: chunk)
    }

    /// Makes sure `total` bytes of budget are held (a declared Content-Length reserves at once).
    func reserve(_ total: Int, budget: BodyBudget) throws(RequestRefusal) {
        guard total > reserved else { return }
        guard budget.reserve(total - reserved) else {
            throw RequestRefusal(503, zh: "服务器请求体内存（\(budget.total) 字节）已用尽，请稍后再试",
                                 en: "the server's request body memory (\(budget.total) bytes) is in use; try again later",
                                 retryAfter: 2)
        }
        reserved = total
    }

    /// Gives the body and its budget back (after a failure, or when the request is complete).
    func dropBody(budget: BodyBudget) {
        body = []
        budget.release(reserved)
        reserved = 0
    }
}
