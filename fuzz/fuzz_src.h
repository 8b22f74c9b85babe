/*
 * fuzz_src - the input of a generating fuzz target (fuzz_received_gen,
 * fuzz_bounce_gen) read as a stream of choices: each take() is the next
 * byte, 0 once the input is used up, so every input makes a whole message.
 */
#ifndef AD_FUZZ_SRC_H
#define AD_FUZZ_SRC_H

#include <stddef.h>
#include <stdint.h>

struct src {
	const uint8_t *p;
	size_t n;
};

/* take - the next input byte, 0 when the input is used up */
static inline unsigned take(struct src *s)
{
	if (s->n == 0)
		return 0;
	s->n--;
	return *s->p++;
}

#endif
