/*
 * inventory_import - moved to app/inventory_import.h; this header keeps the commands that still
 * include it by its old name building.
 */
#include "../app/inventory_import.h"
