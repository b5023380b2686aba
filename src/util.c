/*
 * util.c - small helpers shared by the library and the command: size parsing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "antifrag.h"

int af_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		p++;
	}
	switch (toupper((unsigned char)*p)) {
	case '\0': break;
	case 'K': mul = 1ULL << 10; p++; break;
	case 'M': mul = 1ULL << 20; p++; break;
	case 'G': mul = 1ULL << 30; p++; break;
	case 'T': mul = 1ULL << 40; p++; break;
	default: return -EINVAL;
	}
	if (mul > 1) {
		if (toupper((unsigned char)*p) == 'I' && toupper((unsigned char)p[1]) == 'B')
			p += 2;
		else if (toupper((unsigned char)*p) == 'B')
			p++;
	} else if (toupper((unsigned char)*p) == 'B') {
		p++;
	}
	if (*p)
		return -EINVAL;
	if (v && mul > UINT64_MAX / v)
		return -EINVAL;
	*bytes = v * mul;
	return 0;
}
