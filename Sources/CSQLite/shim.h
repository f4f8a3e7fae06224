#ifndef QUIZ_CSQLITE_SHIM_H
#define QUIZ_CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro over a function-pointer cast that Swift cannot
// import; binding with it makes SQLite copy the bytes before the call returns.
static inline void quiz_sqlite3_bind_transient_text(sqlite3_stmt *stmt, int index, const char *text, int length) {
    sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}

static inline void quiz_sqlite3_bind_transient_blob(sqlite3_stmt *stmt, int index, const void *bytes, int length) {
    sqlite3_bind_blob(stmt, index, bytes, length, SQLITE_TRANSIENT);
}

#endif
