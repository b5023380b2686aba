/* fuzz_input.h - decoding a fuzzer's bytes into numbers, shared by the targets. */
#ifndef AF_FUZZ_INPUT_H
#define AF_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct in { const uint8_t *p; size_t n; };

/* The next `bytes` bytes as a big-endian number; zeros once the input ends */
static inline unsigned take(struct in *in, unsigned bytes)
{
	unsigned v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		v <<= 8;
		if (in->n) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

#endif
