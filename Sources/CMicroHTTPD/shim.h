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
#include <microhttpd.h>

static inline struct MHD_Daemon *cmhd_start_daemon(unsigned int flags, uint16_t port,
                                                    MHD_AccessHandlerCallback handler, void *handler_cls,
                                                    struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}
static inline const union MHD_DaemonInfo *cmhd_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t) {
    return MHD_get_daemon_info(d, t);
}
static inline const union MHD_ConnectionInfo *cmhd_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t) {
    return MHD_get_connection_info(c, t);
}
#endif
