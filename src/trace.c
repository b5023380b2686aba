/*
 * trace.c - tracepoint events as lines of the kernel's trace text format
 * (include/trace/events/kmem.h; include/trace/events/mmflags.h for
 * show_gfp_flags).  A line is
 *   "            antifrag-1001    [000] .....     0.000123: mm_page_free: page=... pfn=0x... order=0"
 * The page pointer is the vmemmap address x86-64 would print unhashed
 * (0xffffea0000000000 + pfn * 64); the timestamp is the virtual clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define VMEMMAP_BASE 0xffffea0000000000ULL

static void emit(struct af_machine *m, int cpu, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void emit(struct af_machine *m, int cpu, const char *event, const char *fmt, ...)
{
	char body[512], line[640];
	va_list ap;
	uint64_t ns = __atomic_load_n(&m->clock_ns, __ATOMIC_RELAXED);

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%16s-%-7d [%03d] ..... %5llu.%06llu: %s: %s",
		 "antifrag", 1000 + cpu, cpu,
		 (unsigned long long)(ns / 1000000000ULL),
		 (unsigned long long)((ns / 1000ULL) % 1000000ULL), event, body);
	m->trace_fn(m->trace_arg, line);
}

static unsigned long long page_ptr(unsigned long pfn)
{
	return VMEMMAP_BASE + (unsigned long long)pfn * 64ULL;
}

struct gfp_name { af_gfp_t mask; const char *name; };

/* __def_gfpflag_names, in the kernel's order (no KASAN bits in this config) */
static const struct gfp_name gfp_names[] = {
	{ AF_GFP_TRANSHUGE, "GFP_TRANSHUGE" },
	{ AF_GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ AF_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ AF_GFP_HIGHUSER, "GFP_HIGHUSER" },
	{ AF_GFP_USER, "GFP_USER" },
	{ AF_GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ AF_GFP_KERNEL, "GFP_KERNEL" },
	{ AF_GFP_NOFS, "GFP_NOFS" },
	{ AF_GFP_ATOMIC, "GFP_ATOMIC" },
	{ AF_GFP_NOIO, "GFP_NOIO" },
	{ AF_GFP_NOWAIT, "GFP_NOWAIT" },
	{ AF_GFP_DMA, "GFP_DMA" },
	{ AF___GFP_HIGHMEM, "__GFP_HIGHMEM" },
	{ AF_GFP_DMA32, "GFP_DMA32" },
	{ AF___GFP_HIGH, "__GFP_HIGH" },
	{ AF___GFP_ATOMIC, "__GFP_ATOMIC" },
	{ AF___GFP_IO, "__GFP_IO" },
	{ AF___GFP_FS, "__GFP_FS" },
	{ AF___GFP_NOWARN, "__GFP_NOWARN" },
	{ AF___GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ AF___GFP_NOFAIL, "__GFP_NOFAIL" },
	{ AF___GFP_NORETRY, "__GFP_NORETRY" },
	{ AF___GFP_COMP, "__GFP_COMP" },
	{ AF___GFP_ZERO, "__GFP_ZERO" },
	{ AF___GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ AF___GFP_MEMALLOC, "__GFP_MEMALLOC" },
	{ AF___GFP_HARDWALL, "__GFP_HARDWALL" },
	{ AF___GFP_THISNODE, "__GFP_THISNODE" },
	{ AF___GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ AF___GFP_MOVABLE, "__GFP_MOVABLE" },
	{ AF___GFP_ACCOUNT, "__GFP_ACCOUNT" },
	{ AF___GFP_WRITE, "__GFP_WRITE" },
	{ AF___GFP_RECLAIM, "__GFP_RECLAIM" },
	{ AF___GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ AF___GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
	{ 0x800000u, "__GFP_ZEROTAGS" },
};

/* show_gfp_flags(): greedy match of composite names, "none" for 0 */
void format_gfp_flags(af_gfp_t gfp, char *buf, size_t len)
{
	size_t used = 0;
	bool first = true;

	if (!len)
		return;
	buf[0] = '\0';
	if (!gfp) {
		snprintf(buf, len, "none");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names) && gfp; i++) {
		if ((gfp & gfp_names[i].mask) != gfp_names[i].mask)
			continue;
		gfp &= ~gfp_names[i].mask;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 first ? "" : "|", gfp_names[i].name);
		first = false;
	}
	if (gfp)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s0x%x",
					 first ? "" : "|", gfp);
}

int af_gfp_parse(const char *s, af_gfp_t *out)
{
	af_gfp_t v = 0;
	char tok[64];

	if (!s || !*s)
		return af_err(-EINVAL, "empty GFP mask");
	while (*s) {
		size_t n = strcspn(s, "|");
		bool found = false;

		if (n == 0 || n >= sizeof(tok))
			return af_err(-EINVAL, "malformed GFP mask");
		memcpy(tok, s, n);
		tok[n] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(gfp_names); i++)
			if (!strcmp(tok, gfp_names[i].name)) {
				v |= gfp_names[i].mask;
				found = true;
			}
		if (!found) {
			char *end;
			unsigned long x = strtoul(tok, &end, 0);
			if (*end || end == tok || x > AF___GFP_BITS_MASK)
				return af_err(-EINVAL, "unknown GFP flag '%s'", tok);
			v |= (af_gfp_t)x;
		}
		s += n;
		if (*s == '|')
			s++;
	}
	*out = v;
	return 0;
}

void trace_mm_page_alloc(struct af_machine *m, int cpu, long pfn, unsigned int order, af_gfp_t gfp, int mt)
{
	char flags[512];

	format_gfp_flags(gfp, flags, sizeof(flags));
	emit(m, cpu, "mm_page_alloc", "page=%016llx pfn=0x%lx order=%u migratetype=%d gfp_flags=%s",
	     pfn >= 0 ? page_ptr((unsigned long)pfn) : 0ULL, pfn >= 0 ? (unsigned long)pfn : 0UL,
	     order, mt, flags);
}

void trace_mm_page_free(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order)
{
	emit(m, cpu, "mm_page_free", "page=%016llx pfn=0x%lx order=%u", page_ptr(pfn), pfn, order);
}

void trace_mm_page_alloc_zone_locked(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order,
				     int mt, int percpu_refill)
{
	emit(m, cpu, "mm_page_alloc_zone_locked",
	     "page=%016llx pfn=0x%lx order=%u migratetype=%d percpu_refill=%d",
	     page_ptr(pfn), pfn, order, mt, percpu_refill);
}

void trace_mm_page_pcpu_drain(struct af_machine *m, int cpu, unsigned long pfn, unsigned int order, int mt)
{
	emit(m, cpu, "mm_page_pcpu_drain", "page=%016llx pfn=0x%lx order=%u migratetype=%d",
	     page_ptr(pfn), pfn, order, mt);
}

void trace_mm_page_alloc_extfrag(struct af_machine *m, int cpu, unsigned long pfn, int alloc_order,
				 int fallback_order, int alloc_mt, int fallback_mt)
{
	int change_ownership = alloc_mt == get_pageblock_migratetype(m, pfn);

	emit(m, cpu, "mm_page_alloc_extfrag",
	     "page=%016llx pfn=0x%lx alloc_order=%d fallback_order=%d pageblock_order=%d "
	     "alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d change_ownership=%d",
	     page_ptr(pfn), pfn, alloc_order, fallback_order, PAGEBLOCK_ORDER, alloc_mt,
	     fallback_mt, fallback_order < PAGEBLOCK_ORDER, change_ownership);
}

/* Any other event, already formatted by the caller's format string */
void trace_event(struct af_machine *m, int cpu, const char *event, const char *fmt, ...)
{
	char body[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	emit(m, cpu, event, "%s", body);
}

void af_set_trace(struct af_machine *m, af_trace_fn fn, void *arg)
{
	m->trace_fn = fn;
	m->trace_arg = arg;
}

void af_trace_to_file(void *file, const char *line)
{
	fputs(line, file);
	fputc('\n', file);
}
