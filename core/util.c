/*
 * util.c - small helpers: size parsing (shared with the command), the
 * per-thread error message, the zone and pcp locks, int_sqrt, the seeded
 * random generator and the virtual clock.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "antifrag.h"

static int parse_size(const char *s, uint64_t *bytes)
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

/* ---- errors ---- */
#include <stdarg.h>
#include <stdio.h>
#include <sched.h>
#include "internal.h"

int af_parse_size(const char *s, uint64_t *bytes)
{
	if (!bytes)
		return af_err(-EINVAL, "no place for the size");
	if (parse_size(s, bytes))
		return af_err(-EINVAL, "malformed size '%s'", s ? s : "(null)");
	return 0;
}

/*
 * The one piece of state outside a machine, on purpose: like errno, the
 * message of the calling thread's last failure, which may come before any
 * machine exists (af_config_*, af_machine_create).  No result depends on it.
 */
static _Thread_local char errbuf[512];

const char *af_errmsg(void)
{
	return errbuf;
}

int af_err(int err, const char *fmt, ...)
{
	va_list ap;

	char msg[sizeof(errbuf)];

	/* formatted apart first: an argument may be af_errmsg() itself */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(errbuf, msg, sizeof(errbuf));
	return err;
}

/* ---- locking: real only in threaded mode ---- */
/*
 * spin_lock(&zone->lock): a test-and-test-and-set spinlock, as the kernel's
 * zone lock is a spinlock held for short sections.  A host thread can be
 * preempted while holding it, which a kernel spinlock holder cannot: after
 * a while the waiter yields its host CPU instead of spinning on.
 */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static __attribute__((noinline, cold)) void lock_zone_contended(struct zone *z)
{
	unsigned spins = 0;

	do {
		while (atomic_load_explicit(&z->lock, memory_order_relaxed)) {
			if (++spins >= 256) {
				sched_yield();
				spins = 0;
			} else {
				cpu_relax();
			}
		}
	} while (atomic_exchange_explicit(&z->lock, 1, memory_order_acquire));
}

void lock_zone(struct zone *z)
{
	if (z->m->threaded && atomic_exchange_explicit(&z->lock, 1, memory_order_acquire))
		lock_zone_contended(z);
}

void unlock_zone(struct zone *z)
{
	if (z->m->threaded)
		atomic_store_explicit(&z->lock, 0, memory_order_release);
}

void lock_pcp(struct af_machine *m, struct per_cpu_pages *pcp)
{
	if (!m->threaded)
		return;
	while (atomic_flag_test_and_set_explicit(&pcp->lock, memory_order_acquire))
		;
}

void unlock_pcp(struct af_machine *m, struct per_cpu_pages *pcp)
{
	if (m->threaded)
		atomic_flag_clear_explicit(&pcp->lock, memory_order_release);
}

/* int_sqrt(): floor of the square root, as lib/math/int_sqrt.c computes it */
unsigned long int_sqrt_ul(unsigned long x)
{
	unsigned long b, m, y = 0;

	if (x <= 1)
		return x;
	m = 1UL << (ilog2_ul(x) & ~1u);
	while (m != 0) {
		b = y + m;
		y >>= 1;
		if (x >= b) {
			x -= b;
			y += m;
		}
		m >>= 2;
	}
	return y;
}

/* ---- deterministic randomness: xoshiro256** seeded by splitmix64 ---- */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void af_rng_seed(struct af_rng *r, uint64_t seed)
{
	if (!r)
		return;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t af_rng_next(struct af_rng *r)
{
	uint64_t *s, result, t;

	if (!r)
		return 0;
	s = r->s;
	result = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t af_rng_below(struct af_rng *r, uint64_t n)
{
	if (n == 0 || !r)
		return 0;
	/* Lemire's multiply-shift; the tiny bias is irrelevant here */
	return (uint64_t)(((unsigned __int128)af_rng_next(r) * n) >> 64);
}

/* The virtual clock moves on inside an operation (a wait): no sample here */
void clock_advance_raw(struct af_machine *m, uint64_t ns)
{
	__atomic_fetch_add(&m->clock_ns, ns, __ATOMIC_RELAXED);
}

void af_clock_advance(struct af_machine *m, uint64_t ns)
{
	uint64_t now;

	if (!m)
		return;
	now = __atomic_add_fetch(&m->clock_ns, ns, __ATOMIC_RELAXED);
	/* the holds due by now end first: a sample sees the I/O done */
	if (m->wops && now >= __atomic_load_n(&m->hold_next, __ATOMIC_RELAXED))
		m->wops->expire_holds(m, now);
	if (m->sample_fn && now >= m->sample_next)
		m->sample_fire(m, now);
}

uint64_t af_clock_ns(const struct af_machine *m)
{
	if (!m)
		return 0;
	return __atomic_load_n(&m->clock_ns, __ATOMIC_RELAXED);
}

int af_phase_hook_set(struct af_machine *m, af_phase_fn fn, void *arg)
{
	if (!m)
		return af_err(-EINVAL, "no machine");
	m->phase_arg = arg;
	m->phase_fn = fn;
	return 0;
}

void phase_tell(struct af_machine *m, enum af_phase_kind kind, const char *name, uint64_t done, uint64_t total)
{
	struct af_phase p = { .kind = kind, .name = name, .done = done, .total = total };

	if (!m || !m->phase_fn)
		return;
	p.clock_ns = af_clock_ns(m);
	m->phase_fn(m->phase_arg, &p);
}

void af_progress(struct af_machine *m, const char *phase, uint64_t done, uint64_t total)
{
	if (m && m->phase_fn)
		phase_tell(m, AF_PHASE_PROGRESS, phase ? phase : "", done, total);
}

/* ---- a growing string for the renderers ---- */
void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = b->cap ? b->cap * 2 : 4096;
		while (ncap < b->len + (size_t)n + 1)
			ncap *= 2;
		char *s = realloc(b->s, ncap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = ncap;
	}
}

void sb_putc(struct strbuf *b, char c)
{
	sb_printf(b, "%c", c);
}
