/// Answers one request, synchronously, on one of the server's pool threads.
///
/// A closure rather than a protocol so callers can route with a plain `switch`;
/// `@Sendable` because several pool threads call it at once.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse
