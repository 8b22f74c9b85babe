/*
 * cli - what the subcommands share: configuration, database, output tables.
 *
 * Each subcommand is `int cmd_NAME(struct cli *c, int argc, char **argv)`,
 * argv[0] being the subcommand name; it returns a process exit status
 * (0, 64 usage, 65 data error, 69/70/74/75 as sysexits.h says).
 */
#ifndef AD_CLI_H
#define AD_CLI_H

#include <stdio.h>

#include "../db/db.h"
#include "../util/buf.h"
#include "../util/config.h"

struct cli {
	const char *config_path;   /* -c FILE, or NULL */
	struct config cfg;
	int cfg_loaded;
	int verbose;
};

/* cli_config - load the configuration once; on error prints it and returns -1 */
int cli_config(struct cli *c);
/* cli_db - open (and migrate) the database named in the configuration; -1 on error (printed) */
int cli_db(struct cli *c, struct db *d);
/* cli_usage - print "usage: abusedesk NAME ..." for a subcommand, return 64 */
int cli_usage(const char *name);
/* cli_db_wait - the value of --db-wait for command cmd ("60s", "5m", "0", at most a
 * day) into *ms; 0, or -1 after printing what it wants */
int cli_db_wait(const char *cmd, const char *arg, long *ms);
/* cli_help - the help text of a subcommand to fp; -1 when unknown */
int cli_help(const char *name, FILE *fp);
/* cli_open_input - FILE for reading, "-" = stdin; NULL after printing why */
FILE *cli_open_input(const char *file);
/* cli_close_input - close what cli_open_input opened (never stdin) */
void cli_close_input(FILE *fp);
/* cli_isatty - stdout is a terminal */
int cli_isatty(void);
/* out_set_wide - --wide: never fit the terminal */
void out_set_wide(void);
/* out_width - the width the table form must fit: $COLUMNS when set (also
 * for a pipe), else the terminal's on a terminal; 0 for no limit (--wide,
 * or not a terminal) */
int out_width(void);
/* out_clip - text to fp, every line cut to width display cells with an
 * ellipsis (width 0: as is) */
void out_clip(const char *text, size_t len, int width, FILE *fp);
/* nothing_found - the one message of an empty result (table form) */
#define NOTHING_FOUND "nothing found"

/* Tabular output: the same rows as an aligned table, CSV or JSON. */
enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV };

struct table {
	size_t ncols;
	const char **cols;      /* column names (static strings) */
	char **cells;           /* rows * ncols owned strings (NULL = empty/null) */
	int *numeric;           /* per column: JSON number when 1 */
	size_t *minw;           /* per column: may be shortened to this width (0: never) */
	int *drop;              /* per column: dropped to fit, highest first (0: never) */
	size_t indent;          /* spaces before each line of the table form */
	size_t nrows, cap;
};

/* out_format_parse - "table" | "json" | "csv"; -1 when unknown */
int out_format_parse(const char *s, enum out_format *f);
void table_init(struct table *t, size_t ncols, const char **cols);
void table_numeric(struct table *t, size_t col);
/* table_fit - how column col gives way on a narrow terminal: shortened down
 * to minw (0: never), dropped in order of drop (highest first, 0: never) */
void table_fit(struct table *t, size_t col, size_t minw, int drop);
/* table_row - start a new row; then table_set for each column */
void table_row(struct table *t);
void table_set(struct table *t, size_t col, const char *val);
void table_setf(struct table *t, size_t col, const char *fmt, ...) AD_PRINTF(3, 4);
/* table_print - the rows in format f; the table form fits out_width() and
 * says "nothing found" when there is no row */
void table_print(const struct table *t, enum out_format f, FILE *fp);
void table_free(struct table *t);
/* csv_field - one RFC 4180 field; cells starting with = + - @ are prefixed with ' */
void csv_field(struct buf *b, const char *s);

#endif
