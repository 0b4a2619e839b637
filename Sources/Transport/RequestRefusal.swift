/// Why the server itself refuses a request before any handler sees it; carries its status
/// and the bilingual message every rootsync error has.
struct RequestRefusal: Error, Equatable {
    let status: Int
    let zh: String
    let en: String
    /// Seconds for a Retry-After header (503 when body memory is exhausted).
    var retryAfter: Int?

    init(_ status: Int, zh: String, en: String, retryAfter: Int? = nil) {
        self.status = status
        self.zh = zh
        self.en = en
        self.retryAfter = retryAfter
    }

    var response: HTTPResponse {
        var response = HTTPResponse.error(zh: zh, en: en, status: status)
        if let retryAfter { response.headers["Retry-After"] = String(retryAfter) }
        return response
    }
}
