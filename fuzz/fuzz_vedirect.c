/*
 * Fuzz target: the VE.Direct text-protocol parser (src/telemetry/vedirect.c).
 * The input is fed whole and then again in pieces whose sizes come from its
 * first byte; both ways must give the same good blocks and counters, every
 * good block's bytes must sum to 0 mod 256 (checked independently here for
 * inputs without HEX frames), and the parser's buffers stay in bounds.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "telemetry/vedirect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long run(const uint8_t *data, size_t size, size_t step, struct tp_vedirect *p,
			 struct tp_vedirect_block *r)
{
	size_t off = 0, used, k;
	unsigned long good = 0;

	tp_vedirect_init(p);
	tp_vedirect_block_clear(r);
	while (off < size) {
		k = size - off < step ? size - off : step;
		while (k > 0) {
			if (tp_vedirect_feed(p, data + off, k, &used)) {
				tp_vedirect_merge(r, &p->last);
				good++;
			}
			if (used == 0 || used > k)
				__builtin_trap();
			off += used;
			k -= used;
		}
	}
	return good;
}

static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_vedirect a, b;
	struct tp_vedirect_block ra, rb;
	unsigned long ga, gb;
	size_t step = size ? (size_t)data[0] % 37 + 1 : 1;

	ga = run(data, size, size ? size : 1, &a, &ra);
	gb = run(data, size, step, &b, &rb);
	if (ga != gb || a.blocks != ga || a.bad_checksum != b.bad_checksum ||
	    a.bad_frame != b.bad_frame || a.hex_frames != b.hex_frames)
		__builtin_trap();
	if (!same(ra.battery_v, rb.battery_v) || !same(ra.battery_a, rb.battery_a) ||
	    !same(ra.soc, rb.soc) || !same(ra.pv_w, rb.pv_w) || strcmp(ra.pid, rb.pid) != 0)
		__builtin_trap();
	if (a.nl >= sizeof(a.label) || a.nv >= sizeof(a.value) || strlen(ra.pid) >= sizeof(ra.pid))
		__builtin_trap();
	/* without HEX frames every byte counts: a good block's bytes sum to 0 */
	if (!memchr(data, ':', size) && ga > 0) {
		static struct tp_vedirect c;
		unsigned long ends = 0, n;
		unsigned char sum = 0;
		size_t i, used;

		tp_vedirect_init(&c);
		for (i = 0; i < size; i++) {
			unsigned long good = c.blocks;

			sum = (unsigned char)(sum + data[i]);
			tp_vedirect_feed(&c, data + i, 1, &used);
			n = c.blocks + c.bad_checksum + c.bad_frame;
			if (n == ends)
				continue;
			if (c.blocks != good && sum != 0)
				__builtin_trap();
			ends = n;
			sum = 0;
		}
	}
	return 0;
}
