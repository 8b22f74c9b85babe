/*
 * lat - latency of one command per input file, serial or concurrent.
 *
 *   lat -P N -- CMD [ARGS...] < list-of-files
 *
 * Runs CMD once per file named on stdin (one path a line), with that file as
 * its standard input and /dev/null as its standard output, at most N at a
 * time, and prints the count, messages per second, and p50/p90/p99/max
 * latency of one run in milliseconds. A run that exits non-zero is counted
 * and reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/mem.h"
#include "../util/str.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long par = 1;
	int ci = 1;
	char line[4096];
	char **files = NULL;
	size_t nf = 0, cap = 0, next = 0, done = 0;
	double *lat, t0;
	pid_t *pids;
	double *start;
	int bad = 0;

	if (argc > 2 && strcmp(argv[1], "-P") == 0) {
		if (str_to_long(argv[2], 1, 256, &par) < 0)
			return 64;
		ci = 3;
	}
	if (ci < argc && strcmp(argv[ci], "--") == 0)
		ci++;
	if (ci >= argc) {
		fputs("usage: lat [-P N] -- CMD [ARGS...] < files\n", stderr);
		return 64;
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (nf == cap) {
			cap = cap ? cap * 2 : 1024;
			files = xrealloc(files, cap * sizeof(*files));
		}
		files[nf++] = xstrdup(line);
	}
	lat = xcalloc(nf, sizeof(double));
	pids = xcalloc((size_t)par, sizeof(pid_t));
	start = xcalloc((size_t)par, sizeof(double));
	t0 = now();
	while (done < nf) {
		for (long s = 0; s < par && next < nf; s++) {
			if (pids[s])
				continue;
			start[s] = now();
			pids[s] = fork();
			if (pids[s] == 0) {
				int fd = open(files[next], O_RDONLY);
				int null = open("/dev/null", O_WRONLY);

				if (fd < 0 || dup2(fd, 0) < 0 || null < 0 || dup2(null, 1) < 0)
					_exit(66);
				execvp(argv[ci], argv + ci);
				_exit(127);
			}
			next++;
		}
		{
			int st;
			pid_t p = wait(&st);

			if (p < 0 && errno == ECHILD)
				break;
			for (long s = 0; s < par; s++)
				if (pids[s] == p) {
					lat[done++] = now() - start[s];
					pids[s] = 0;
					if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
						bad++;
				}
		}
	}
	{
		double total = now() - t0;

		qsort(lat, done, sizeof(double), cmp);
		printf("runs=%zu parallel=%ld total_s=%.3f per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f failed=%d\n",
		       done, par, total, done / total, done ? lat[done / 2] * 1e3 : 0,
		       done ? lat[done * 9 / 10] * 1e3 : 0, done ? lat[done * 99 / 100] * 1e3 : 0,
		       done ? lat[done - 1] * 1e3 : 0, bad);
	}
	for (size_t i = 0; i < nf; i++)
		free(files[i]);
	free(files);
	free(lat);
	free(pids);
	free(start);
	return bad ? 1 : 0;
}
