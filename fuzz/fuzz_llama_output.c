/*
 * Fuzz target: llama.cpp output fed in chunks whose sizes come from the
 * first byte, which must give the same totals as one whole feed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pace/llama_output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_llama_output whole, parts;
	size_t chunk, off = 0;
	double tok, sec;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	tp_llama_output_init(&whole);
	tp_llama_output_init(&parts);
	tp_llama_output_feed(&whole, (const char *)data, size);
	tp_llama_output_finish(&whole);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		tp_llama_output_feed(&parts, (const char *)data + off, n);
		off += n;
	}
	tp_llama_output_finish(&parts);
	if (whole.eval.count != parts.eval.count || whole.prompt.count != parts.prompt.count ||
	    whole.lines != parts.lines || memcmp(&whole.eval, &parts.eval, sizeof(whole.eval)) != 0)
		abort();
	(void)tp_llama_output_line((const char *)data, size, &tok, &sec);
	return 0;
}
