extension HTTPServer {
    /// HTTPS for one server (libmicrohttpd on gnutls). PEM text, not file names: the caller
    /// reads the files, the server keeps its own copies for as long as it exists.
    public struct TLS: Sendable, Equatable {
        /// The server's certificate chain (leaf first), PEM.
        public var certificatePEM: String
        /// The server's private key, PEM (unencrypted).
        public var keyPEM: String
        /// CA certificates, PEM. When set the server requests (does not require) a client
        /// certificate and reports the CN of one that verifies against these CAs as
        /// `HTTPRequest.clientCertificateCN`; nil there means no certificate or one that did not verify.
        public var trustPEM: String?

        public init(certificatePEM: String, keyPEM: String, trustPEM: String? = nil) {
            self.certificatePEM = certificatePEM
            self.keyPEM = keyPEM
            self.trustPEM = trustPEM
        }
    }
}
