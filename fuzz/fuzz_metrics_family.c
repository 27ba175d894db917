/*
 * Fuzz target: the metric family of an arbitrary channel name. A name it
 * maps gives a valid Prometheus metric name, label names of the same
 * alphabet, and at most two labels.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pace/metrics_family.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_name(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_metrics_family f;
	char name[128];
	int k;

	if (size >= sizeof(name))
		size = sizeof(name) - 1;
	memcpy(name, data, size);
	name[size] = '\0';
	if (tp_metrics_family(name, &f) < 0)
		return 0;
	if (!valid_name(f.name) || !f.help || f.nlabels < 0 || f.nlabels > TP_METRICS_LABELS)
		abort();
	for (k = 0; k < f.nlabels; k++)
		if (!valid_name(f.label[k][0]) || strlen(f.label[k][1]) >= TP_METRICS_LABEL_MAX)
			abort();
	return 0;
}
