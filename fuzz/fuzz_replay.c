/*
 * fuzz_replay - the input as a kmem trace, replayed with exact placement on
 * a fresh 512 MiB allocator core (af_replay_stream): whatever the lines
 * say, the replay returns and the machine passes af_check().  The same
 * input read for its block types (af_trace_block_types_stream) stays
 * inside the blocks it was given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "antifrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct af_config *cfg;
	struct af_machine *m;
	struct af_replay_stats st;
	char report[512];
	FILE *in;

	if (!cfg && (af_config_new(&cfg) || af_config_load_string(cfg, "mem = 512M\ncpus = 2\n")))
		abort();
	if (!size)
		return 0;
	if (af_machine_create_core(cfg, &m))
		abort();
	in = fmemopen((void *)data, size, "r");
	if (!in)
		abort();
	if (af_replay_stream(m, in, -1, &st))
		abort();
	fclose(in);
	{
		struct af_block_types bt;
		in = fmemopen((void *)data, size, "r");
		if (!in || af_trace_block_types_stream(in, 1 << 17, &bt) || bt.nblocks != 256 ||
		    bt.typed > bt.nblocks || bt.split > bt.typed)
			abort();
		for (uint64_t b = 0; b < bt.nblocks; b++)
			if (bt.mt[b] < -1 || bt.mt[b] > 2)
				abort();
		af_block_types_free(&bt);
		fclose(in);
	}
	if (af_check(m, report, sizeof(report))) {
		fprintf(stderr, "fuzz_replay: %s\n", report);
		abort();
	}
	af_machine_destroy(m);
	return 0;
}
