// CMicroHTTPD: libmicrohttpd for the Transport module only.
// MHD_start_daemon and the info getters are variadic; these wrappers pass options as an
// MHD_OPTION_ARRAY (terminated by MHD_OPTION_END) and fix the info argument lists.
#ifndef CMICROHTTPD_SHIM_H
#define CMICROHTTPD_SHIM_H
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <malloc.h>
#include <microhttpd.h>

/// `apc` decides on each accepted connection before libmicrohttpd serves it (NULL: accept all).
static inline struct MHD_Daemon *cmhd_start_daemon(unsigned int flags, uint16_t port,
                                                    MHD_AcceptPolicyCallback apc, void *apc_cls,
                                                    MHD_AccessHandlerCallback handler, void *handler_cls,
                                                    struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, apc, apc_cls, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}
/// The typed shapes of the callbacks MHD_OPTION_ARRAY carries as plain integers.
typedef size_t (*cmhd_unescape_callback)(void *cls, struct MHD_Connection *connection, char *text);
/// glibc keeps freed heap pages after a large request; this hands them back to the kernel.
static inline int cmhd_malloc_trim(void) {
    return malloc_trim(0);
}
/// Fixes glibc's mmap threshold (1 on success): buffers at least this large are mapped and
/// unmapped on their own, so a large body's memory goes back to the kernel when it is freed
/// instead of staying in one of many per-thread arenas (glibc otherwise raises the threshold
/// after the first large free, and 16 concurrent bombs left 170 MB resident).
static inline int cmhd_set_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes);
}
static inline const union MHD_DaemonInfo *cmhd_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t) {
    return MHD_get_daemon_info(d, t);
}
static inline const union MHD_ConnectionInfo *cmhd_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t) {
    return MHD_get_connection_info(c, t);
}
#endif
