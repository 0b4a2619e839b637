/// Per-request state between libmicrohttpd's calls for one request, kept behind the
/// `req_cls` pointer. Only the pool thread owning the connection touches it.
final class RequestState {
    /// Body bytes kept so far (never more than the body cap).
    var body: [UInt8] = []
    /// Body bytes seen on the wire, including the ones discarded after the cap.
    var received = 0
    /// The body went over the cap: keep reading to answer 413 cleanly, but store nothing.
    var overflowed = false
    /// A response is already queued; later calls must not queue another.
    var answered = false
}
