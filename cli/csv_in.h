/*
 * csv_in - read RFC 4180 CSV records with line numbers, for the importers.
 *
 * Quoted fields may hold commas, doubled quotes and newlines. Blank lines
 * and lines starting with '#' are skipped. Fields are trimmed of surrounding
 * white space. Caps: CSV_MAX_FIELDS fields, CSV_MAX_FIELD bytes a field.
 */
#ifndef AD_CSV_IN_H
#define AD_CSV_IN_H

#include <stdio.h>

#include "../util/buf.h"

#define CSV_MAX_FIELDS 32
#define CSV_MAX_FIELD  4096

struct csv_in {
	FILE *fp;
	long line;              /* line of the next byte */
	long rec_line;          /* line where the last record started */
	char *f[CSV_MAX_FIELDS];
	size_t n;
	struct buf field[CSV_MAX_FIELDS];
};

void csv_in_init(struct csv_in *c, FILE *fp);
void csv_in_free(struct csv_in *c);
/* csv_in_next - 1 and c->f[0..n) for a record, 0 at the end, -1 with a reason in err */
int csv_in_next(struct csv_in *c, char *err, size_t errlen);
/* csv_in_col - index of name in the header record (case-insensitive), -1 when absent */
int csv_in_col(const struct csv_in *c, const char *name);

#endif
