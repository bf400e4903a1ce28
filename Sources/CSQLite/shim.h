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

#endif
