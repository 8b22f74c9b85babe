/*
 * fuzz_mime - libFuzzer target: the MIME scanner against GMime's parser.
 *
 * Checks beyond "no crash": parse/mimescan.c and GMime split the input into
 * the same parts with the same types, headers, filenames and decoded
 * contents (tests/conformance/mimecmp.c does the comparing); any difference
 * aborts with the differences printed. Inputs stay under 4000 bytes (see
 * below); tests/conformance/mime.sh compares larger messages.
 */
#define MIMECMP_NO_MAIN
#include "../tests/conformance/mimecmp.c"

/* LLVMFuzzerTestOneInput - one message, read both ways */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *d;

	if (!ready) {
		mimecmp_init();
		ready = 1;
	}
	/* GMime's parser can lose a header line that straddles its 4 KB read
	 * buffer (a message shifted by a few bytes reads right): past that size
	 * the oracle itself is not sure, so the fuzzer stays below it */
	if (size >= 4000)
		return 0;
	d = malloc(size + 1);
	if (!d)
		return 0;
	memcpy(d, data, size);
	if (mimecmp_buf("input", d, size))
		abort();
	free(d);
	return 0;
}
