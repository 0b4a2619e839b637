import Standards

/// Why the web app refused a request, each with its HTTP status and a bilingual message.
enum WebError: Error, Equatable {
    /// No session, or it expired or ended (sign-out, a new password, the account removed).
    case signedOut
    /// A POST without the CSRF token of its session (or of the sign-in page).
    case csrf
    /// A POST whose body is not JSON, or that comes from another site.
    case crossSite(String)
    case wrongCredentials
    case throttled(seconds: Int)
    case forbidden(zh: String, en: String)
    /// The app is served to loopback, or to other machines over HTTPS only; a plain-HTTP request
    /// naming another host is a DNS-rebinding attempt.
    case notServedHere(zh: String, en: String)
    case badRequest(zh: String, en: String)
    case invalid([ValidationIssue])
    case notFound(String)
    case methodNotAllowed(String)
    /// The conflict is no longer open (resolved here or by a resolution from another node).
    case conflictGone(String)

    var status: Int {
        switch self {
        case .signedOut, .wrongCredentials: 401
        case .csrf, .crossSite, .forbidden, .notServedHere: 403
        case .throttled: 429
        case .badRequest: 400
        case .invalid: 422
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflictGone: 409
        }
    }

    var messageZh: String {
        switch self {
        case .signedOut: "未登录或登录已过期，请重新登录"
        case .csrf: "请求缺少有效的防伪令牌（CSRF），请刷新页面后重试"
        case .crossSite(let why): "拒绝跨站或非 JSON 的请求（\(why)）"
        case .wrongCredentials: "用户名或密码错误"
        case .throttled(let s): "登录失败次数过多，请 \(s) 秒后再试"
        case .forbidden(let zh, _), .notServedHere(let zh, _), .badRequest(let zh, _): zh
        case .invalid(let issues): "数据有误，未保存：" + issues.map(\.messageZh).joined(separator: "；")
        case .notFound(let path): "没有这个页面或接口：\(path)"
        case .methodNotAllowed(let m): "不支持的方法 \(m)"
        case .conflictGone: "这个冲突已经解决（在本节点或其他节点），请刷新列表"
        }
    }

    var messageEn: String {
        switch self {
        case .signedOut: "not signed in, or the session has expired: sign in again"
        case .csrf: "the request lacks a valid CSRF token; reload the page and try again"
        case .crossSite(let why): "cross-site or non-JSON request refused (\(why))"
        case .wrongCredentials: "wrong user name or password"
        case .throttled(let s): "too many failed sign-ins; try again in \(s) s"
        case .forbidden(_, let en), .notServedHere(_, let en), .badRequest(_, let en): en
        case .invalid(let issues): "invalid data, nothing was saved: " + issues.map(\.messageEn).joined(separator: "; ")
        case .notFound(let path): "no such page or endpoint: \(path)"
        case .methodNotAllowed(let m): "method \(m) not allowed here"
        case .conflictGone(let id): "conflict \(id) is no longer open (resolved here or at another node); reload the list"
        }
    }
}
