/*
 * db_int - what the files of db/ share and nothing outside db/ may see:
 * the SQLite handle, statements, binding helpers. Outside db/ the store is
 * reached through the functions of db/'s public headers only.
 */
#ifndef AD_DB_INT_H
#define AD_DB_INT_H

#include "db.h"

#endif
