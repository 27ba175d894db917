/* Fuzz target: the Prometheus text reader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pace/prom_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int visit(const struct tp_prom_sample *s, void *ctx)
{
	size_t *n = ctx;

	*n += strlen(s->name) + (size_t)s->nlabels;
	(void)tp_prom_label(s, "quantile");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_prom_stats st;
	size_t n = 0;
	double v;

	tp_prom_parse((const char *)data, size, visit, &n, &st);
	(void)tp_prom_find((const char *)data, size, "llamacpp:tokens_predicted_total", &v, NULL);
	return 0;
}
