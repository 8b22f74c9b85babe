/*
 * slowdown - how much slower than a plain build a unit test runs, so that
 * time bounds on hostile input hold under valgrind (VALGRIND=1, set by
 * tests/run.sh, or its preload library) and AddressSanitizer.
 */
#ifndef AD_TEST_SLOWDOWN_H
#define AD_TEST_SLOWDOWN_H

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* slowdown - 60 under valgrind, 6 under ASan, else 1 */
static inline double slowdown(void)
{
	const char *v = getenv("VALGRIND"), *pre = getenv("LD_PRELOAD");

	if ((v && *v == '1') || (pre && strstr(pre, "vgpreload")))
		return 60.0;
	return SANITIZED ? 6.0 : 1.0;
}

#endif
