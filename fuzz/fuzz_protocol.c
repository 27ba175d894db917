/*
 * Fuzz target: the server side of the pacing protocol (src/pace/pace_protocol.c).
 * The input is cut at LF as the server does; each line is parsed whole and
 * the result is checked against the protocol's limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pace/pace_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *lf;
	struct tp_proto_req r;
	const char *code, *why;
	size_t len;

	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		len = lf ? (size_t)(lf - p) : (size_t)(end - p);
		if (tp_proto_parse(p, len, &r, &code, &why) == 0) {
			if (r.cmd == TP_PROTO_NEXT && (r.n < 1 || r.n > TP_PROTO_NEXT_MAX))
				abort();
			if (r.cmd == TP_PROTO_TOKENS && (r.n < 0 || r.n > TP_PROTO_TOKENS_MAX))
				abort();
			if (strlen(r.name) >= TP_PROTO_NAME_MAX || len >= TP_PROTO_LINE_MAX + 1)
				abort();
			tp_proto_cmd_name(r.cmd);
		} else if (!code || !why) {
			abort();
		}
		p += len + 1;
	}
	return 0;
}
