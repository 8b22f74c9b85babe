/*
 * inventory_import - moved to app/inventory_import.h; this header keeps the
 * commands that include it by its old name building. The store's lookup is
 * now inventory_find (db records); app_inventory_lookup gives trace's
 * struct inv_entry, which cmd_inventory.c still asks for by the old name.
 */
#include "../app/inventory_import.h"
#include "../app/trace_env.h"

#define inventory_lookup app_inventory_lookup
