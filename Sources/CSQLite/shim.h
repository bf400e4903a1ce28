#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a macro casting -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type csqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/// `SQLITE_STATIC`: the bound memory outlives the statement step.
static inline sqlite3_destructor_type csqlite_static(void) {
    return SQLITE_STATIC;
}

/// Extended result codes are macros built from other macros, which Swift does not import.
static inline int csqlite_constraint_unique(void) {
    return SQLITE_CONSTRAINT_UNIQUE;
}

/// `sqlite3_db_config` is variadic, which Swift cannot call: turns off the checkpoint that
/// SQLite runs when the last connection to a WAL database closes (left to Litestream).
static inline int csqlite_disable_checkpoint_on_close(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}

#endif
