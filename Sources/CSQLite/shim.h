// CSQLite: the system libsqlite3 as seen by the `SQLite` Swift module only.
// Debian's libsqlite3 is built with the session and preupdate-hook extensions, but sqlite3.h hides
// their declarations unless these macros are defined before it is included.
#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: bind through these instead,
// so SQLite copies the bytes before the Swift buffer goes away.
static inline int csqlite_bind_text(sqlite3_stmt *s, int i, const char *z, int n) {
    return sqlite3_bind_text(s, i, z, n, SQLITE_TRANSIENT);
}
static inline int csqlite_bind_blob(sqlite3_stmt *s, int i, const void *z, int n) {
    return sqlite3_bind_blob(s, i, z, n, SQLITE_TRANSIENT);
}
static inline void csqlite_result_text(sqlite3_context *c, const char *z, int n) {
    sqlite3_result_text(c, z, n, SQLITE_TRANSIENT);
}
// sqlite3_db_config is variadic; this is its (int, int*) form (e.g. SQLITE_DBCONFIG_DEFENSIVE).
static inline int csqlite_db_config_int(sqlite3 *db, int op, int value, int *out) {
    return sqlite3_db_config(db, op, value, out);
}
#endif
