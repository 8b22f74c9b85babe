/*
 * replay - a main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput once per file named on the command line. Used by
 * tests/e2e/test_regress.sh to replay saved crash inputs with any compiler
 * and sanitizer build (build/default, build/asan, valgrind).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* slurp - the whole file into *out (caller frees); -1 when unreadable */
static long slurp(const char *path, uint8_t **out)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *d = NULL;
	size_t n = 0, cap = 0, k;

	if (!fp)
		return -1;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((d = realloc(d, cap)) == NULL)
				abort();
		}
		k = fread(d + n, 1, cap - n, fp);
		n += k;
	} while (k > 0);
	fclose(fp);
	*out = d;
	return (long)n;
}

/* main - replay each file; exit 2 when one cannot be read */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		uint8_t *d = NULL;
		long n = slurp(argv[i], &d);

		if (n < 0) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			return 2;
		}
		LLVMFuzzerTestOneInput(d, (size_t)n);
		free(d);
	}
	return 0;
}
