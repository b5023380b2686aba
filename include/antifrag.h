/*
 * antifrag.h - public interface of libantifrag.
 *
 * libantifrag models Linux 6.1's physical-memory anti-fragmentation system:
 * the zoned buddy allocator with grouping by mobility, per-CPU pagesets and
 * watermarks.  Every public function is prefixed af_; handles are opaque.
 * Library code never prints and never exits: errors come back as negative
 * errno-style values with a message readable through af_strerror().
 */
#ifndef ANTIFRAG_H
#define ANTIFRAG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse a size such as "4096", "512K", "512M", "64G", "1T" (binary units,
 * case-insensitive, optional trailing 'B' or 'iB').  Returns 0 and stores
 * the byte count, or -EINVAL on a malformed string or overflow.
 */
int af_parse_size(const char *s, uint64_t *bytes);

#ifdef __cplusplus
}
#endif
#endif /* ANTIFRAG_H */
