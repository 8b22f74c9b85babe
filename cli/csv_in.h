/*
 * csv_in - forwarding header: the CSV reader lives in util/csv.h. Kept only
 * so that cli/ files not yet moved build; include "../util/csv.h" instead.
 */
#ifndef AD_CSV_IN_H
#define AD_CSV_IN_H

#include "../util/csv.h"

#endif
