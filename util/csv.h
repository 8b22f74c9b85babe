/*
 * csv - the one CSV record reader (RFC 4180) of the project: the importers
 * and the CSV inventory read through it, from a FILE or from memory.
 *
 * Quoted fields may hold commas, doubled quotes, CR and newlines; records
 * end at LF or CRLF. Blank lines and lines starting with '#' are skipped.
 * Fields are trimmed of surrounding white space. Caps (each a refused
 * record, reported with its line, after which reading goes on at the next
 * line): max_field bytes a field (CSV_MAX_FIELD), max_fields fields
 * (CSV_FIELDS by default, CSV_MAX_FIELDS at most), max_record bytes a
 * record; with reject_nul a NUL byte refuses the record too. csv_in_init
 * sets the defaults; a caller may change max_fields (up to CSV_MAX_FIELDS)
 * and max_record and set reject_nul before reading.
 */
#ifndef AD_CSV_H
#define AD_CSV_H

#include <stdio.h>

#include "buf.h"

#define CSV_MAX_FIELDS 128    /* the most any reader may allow (scan feeds have ~60-100 columns) */
#define CSV_FIELDS     32     /* the default */
#define CSV_MAX_FIELD  4096
#define CSV_MAX_RECORD ((size_t)CSV_FIELDS * (CSV_MAX_FIELD + 1))

/* why the last record was refused */
enum csv_err { CSV_OK, CSV_E_FIELD, CSV_E_FIELDS, CSV_E_RECORD, CSV_E_QUOTE, CSV_E_NUL };

struct csv_in {
	FILE *fp;               /* the source: fp, or mem[0..memlen) */
	const char *mem;
	size_t memlen, mempos;
	long line;              /* line of the next byte */
	long rec_line;          /* line where the last record started */
	size_t max_fields;      /* CSV_FIELDS unless set; at most CSV_MAX_FIELDS */
	size_t max_record;      /* bytes of a record, line ends inside quotes included */
	int reject_nul;
	enum csv_err why;       /* of the last -1 */
	char *f[CSV_MAX_FIELDS];
	size_t n;
	struct buf field[CSV_MAX_FIELDS];
	size_t rec_len;         /* bytes of the record being read */
};

/* csv_in_init - read records from fp */
void csv_in_init(struct csv_in *c, FILE *fp);
/* csv_in_init_mem - read records from data[0..len) (which must outlive c) */
void csv_in_init_mem(struct csv_in *c, const char *data, size_t len);
void csv_in_free(struct csv_in *c);
/* csv_in_next - 1 and c->f[0..n) for a record, 0 at the end, -1 with a reason in err (and c->why) */
int csv_in_next(struct csv_in *c, char *err, size_t errlen);
/* csv_in_col - index of name in the header record (case-insensitive), -1 when absent */
int csv_in_col(const struct csv_in *c, const char *name);

#endif
