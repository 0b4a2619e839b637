// CGnuTLS: the few gnutls calls the Transport module needs to read a client certificate that
// libmicrohttpd requested (MHD_OPTION_HTTPS_MEM_TRUST only requests one; verifying it is ours).
#ifndef CGNUTLS_SHIM_H
#define CGNUTLS_SHIM_H
#include <stddef.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/// Copies into `cn` (NUL-terminated, at most `capacity` bytes) the subject common name of the
/// peer's certificate when gnutls verifies the peer's chain against the session's trusted CAs
/// (the server's HTTPS_MEM_TRUST) with no problem at all and the certificate allows TLS client
/// authentication (extended key usage clientAuth, or no EKU extension).
/// Returns 1 when `cn` holds a verified name; 0 when there is no certificate, it does not
/// verify, or it has no usable CN.
static inline int cgnutls_verified_client_cn(void *session_ptr, char *cn, size_t capacity) {
    if (session_ptr == NULL || cn == NULL || capacity == 0) return 0;
    gnutls_session_t session = (gnutls_session_t)session_ptr;
    cn[0] = 0;
    if (gnutls_certificate_type_get(session) != GNUTLS_CRT_X509) return 0;
    unsigned int count = 0;
    const gnutls_datum_t *chain = gnutls_certificate_get_peers(session, &count);
    if (chain == NULL || count == 0) return 0;
    // Chain, validity dates and signatures against the trusted CAs, and the key purpose.
    gnutls_typed_vdata_st purpose;
    memset(&purpose, 0, sizeof purpose);
    purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
    purpose.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT;
    unsigned int status = 0;
    if (gnutls_certificate_verify_peers(session, &purpose, 1, &status) != GNUTLS_E_SUCCESS) return 0;
    if (status != 0) return 0;
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) != GNUTLS_E_SUCCESS) return 0;
    int ok = 0;
    if (gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS) {
        // Exactly one CN: a certificate naming two nodes names none.
        char second[8];
        size_t secondSize = sizeof second;
        size_t size = capacity;
        if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size) == GNUTLS_E_SUCCESS
            && size > 0 && size < capacity && strlen(cn) == size
            && gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 1, 0, second, &secondSize)
                   == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
            ok = 1;
        }
    }
    gnutls_x509_crt_deinit(crt);
    if (!ok) cn[0] = 0;
    return ok;
}
#endif
