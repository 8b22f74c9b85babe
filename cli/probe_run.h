/*
 * probe_run - moved to app/probe_run.h; this header keeps the commands that still
 * include it by its old name building.
 */
#include "../app/probe_run.h"
