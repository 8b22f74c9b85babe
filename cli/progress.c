/*
 * progress - the progress line of import and reprocess (progress.h).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

/* now_mono - monotonic seconds */
static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* span - "1h02m", "3m07s", "12s" */
static void span(double secs, char *out, size_t len)
{
	long s = secs < 0 ? 0 : secs > 359999 ? 359999 : (long)(secs + 0.5);

	if (s >= 3600)
		snprintf(out, len, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(out, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(out, len, "%lds", s);
}

void progress_init(struct progress *pr, const char *what)
{
	pr->what = what;
	pr->tty = isatty(STDERR_FILENO);
	pr->start = pr->last = now_mono();
}

double progress_secs(const struct progress *pr)
{
	return now_mono() - pr->start;
}

void progress_show(struct progress *pr, long n, long total, double frac, const char *extra, int force)
{
	double t, secs;
	char count[64], eta[32];

	if (!pr->tty)
		return;
	t = now_mono();
	if (!force && t - pr->last < 0.2)
		return;
	pr->last = t;
	secs = t - pr->start;
	if (total > 0) {
		snprintf(count, sizeof(count), "%ld/%ld", n, total);
		frac = (double)n / (double)total;
	} else {
		snprintf(count, sizeof(count), "%ld", n);
	}
	if (frac > 1)
		frac = 1;
	fprintf(stderr, "\r%s: %s message%s", pr->what, count, n == 1 && total <= 0 ? "" : "s");
	if (frac >= 0) {
		span(frac > 0 ? secs * (1 - frac) / frac : 0, eta, sizeof(eta));
		fprintf(stderr, "  %3.0f%%  ETA %s", frac * 100, frac > 0 ? eta : "-");
	}
	if (extra)
		fprintf(stderr, "  (%s)", extra);
	fprintf(stderr, "  %.0f/s\033[K", secs > 0 ? n / secs : 0.0);
	fflush(stderr);
}

void progress_end(struct progress *pr)
{
	if (pr->tty) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}
