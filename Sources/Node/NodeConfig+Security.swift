import Foundation
import Transport

extension NodeConfig {
    /// `"allow_plain_http": true` in node.json: serve without TLS on a non-loopback address.
    public var allowPlainHTTP: Bool { source["allow_plain_http"]?.boolValue ?? false }

    /// True for addresses that never leave the machine: 127.0.0.0/8, ::1, localhost.
    public static func isLoopbackHost(_ host: String) -> Bool {
        var h = host
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        return h == "localhost" || h == "::1" || h.hasPrefix("127.") || h.hasPrefix("::ffff:127.")
    }

    /// The host part of "host:port" (brackets kept off an IPv6 address).
    public static func host(ofListen listen: String) -> String {
        guard let colon = listen.lastIndex(of: ":") else { return listen }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// Why serving plain HTTP on `host` is refused, or nil when it is fine (TLS, loopback).
    /// With `allowed` (node.json or `--allow-plain-http`) it is never refused, and
    /// `plainHTTPWarning` says so.
    public static func plainHTTPRefusal(host: String, tls: Bool, allowed: Bool) -> ConfigError? {
        guard !tls, !isLoopbackHost(host), !allowed else { return nil }
        return ConfigError("拒绝在非本机地址 \(host) 上以明文 HTTP 提供服务：请在 node.json 中配置 tls（见 docs/SECURITY.md），"
                           + "或明确允许明文：node.json 中 \"allow_plain_http\": true，或 rootsync serve --allow-plain-http",
                           "refusing to serve plain HTTP on the non-loopback address \(host): configure \"tls\" in node.json "
                           + "(docs/SECURITY.md), or allow plain HTTP explicitly with \"allow_plain_http\": true in node.json "
                           + "or rootsync serve --allow-plain-http")
    }

    /// The warning shown at start, in the log and in status while plain HTTP is served off loopback.
    public static func plainHTTPWarning(host: String) -> String {
        "UNENCRYPTED: serving plain HTTP on the non-loopback address \(host) (allow_plain_http); credentials and "
            + "records cross the network in clear text — configure TLS (docs/SECURITY.md) / 警告：在非本机地址上以明文 HTTP 提供服务"
    }

    /// This node's own configuration serves plain HTTP off loopback (for `rootsync status`).
    public var servesPlainHTTPOffLoopback: Bool {
        guard let listen, tls == nil else { return false }
        return !Self.isLoopbackHost(Self.host(ofListen: listen))
    }
}

extension NodeConfig {
    /// Client options for requests to the parent: with a `tls` block, the city CA as the only
    /// trust anchor for the parent's certificate and this node's own certificate and key.
    public var parentClientOptions: HTTPClient.Options {
        var o = HTTPClient.Options()
        o.connectTimeout = 5
        o.totalTimeout = 60
        if let tls {
            o.caFile = tls.ca
            o.clientCertificateFile = tls.cert
            o.clientKeyFile = tls.key
        }
        return o
    }
}

extension Enrollment {
    /// Redeems `token` at `parentURL` for the node of `config`, over HTTPS with the node's CA
    /// and certificate when node.json has a `tls` block.
    public static func redeem(config: NodeConfig, parentURL: String, token: String) throws -> String {
        try redeem(parentURL: parentURL, node: config.node, token: token, options: config.parentClientOptions)
    }
}

extension LinkCredentials {
    /// What `rootsync enroll rotate` did.
    public struct Rotation: Sendable, Equatable {
        /// The parent has seen the new credential, so it is the current one there.
        public var confirmed: Bool
        /// Why confirming failed (the new credential is saved and the next request confirms it).
        public var confirmError: String?
    }

    /// The child side of a rotation without downtime: asks the parent for a new credential with
    /// the current one, writes it to link.token atomically (a running agent picks it up on its
    /// next request), then makes one request with it so the parent makes it current. Until
    /// then both work; afterwards the old one still works for the overlap.
    public static func rotate(config: NodeConfig) throws -> Rotation {
        guard let url = config.parentURL, let token = config.parentToken() else {
            throw ConfigError("没有配置上级地址或凭据（node.json 的 parent_url、link.token）",
                              "no parent address or credential configured (parent_url in node.json, link.token)")
        }
        let options = config.parentClientOptions
        let credential = try requestRotation(parentURL: url, node: config.node, token: token, options: options)
        try config.saveParentToken(credential)
        do {
            try confirm(parentURL: url, node: config.node, token: credential, options: options)
            return Rotation(confirmed: true, confirmError: nil)
        } catch {
            return Rotation(confirmed: false, confirmError: "\(error)")
        }
    }
}
