/*
 * progress - the one progress line of a long command (import, reprocess)
 * on a terminal: "WHAT: N/TOTAL messages  P%  ETA T  (EXTRA)  R/s",
 * redrawn in place at most five times a second. Nothing when stderr is not
 * a terminal (a pipe, a log, CI): the command's summary line on stdout is
 * the record.
 */
#ifndef AD_CLI_PROGRESS_H
#define AD_CLI_PROGRESS_H

struct progress {
	const char *what;           /* "import", "reprocess" */
	int tty;                    /* stderr is a terminal */
	double start, last;         /* monotonic seconds: the start, the last line drawn */
};

/* progress_init - start the clock; tty from isatty(stderr) */
void progress_init(struct progress *pr, const char *what);
/* progress_secs - seconds since progress_init */
double progress_secs(const struct progress *pr);
/*
 * progress_show - n messages done; total when known (else 0), or frac the
 * share done by another measure (bytes read; -1 unknown); extra a short
 * text in brackets (NULL for none). Redrawn when force or 0.2 s passed.
 */
void progress_show(struct progress *pr, long n, long total, double frac, const char *extra, int force);
/* progress_end - clear the line (the summary replaces it) */
void progress_end(struct progress *pr);

#endif
