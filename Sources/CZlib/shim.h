// CZlib: zlib for gzip request and answer bodies (Transport) and the raw deflate streams of .xlsx
// files (XLSX). deflateInit2/inflateInit2 are macros Swift cannot import; these call the underlying
// functions.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>
static inline int czlib_deflate_init_gzip(z_stream *s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
static inline int czlib_inflate_init_gzip(z_stream *s) {
    return inflateInit2(s, 15 + 16);
}
/// Raw deflate (no zlib or gzip wrapper), as ZIP entries hold it.
static inline int czlib_deflate_init_raw(z_stream *s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
static inline int czlib_inflate_init_raw(z_stream *s) {
    return inflateInit2(s, -15);
}
#endif
