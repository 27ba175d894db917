/*
 * Benchmarks of the text parsers and the /metrics renderer: figures on
 * stdout, no pass/fail on time. Run from the source tree root (make bench).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pace/llama_output.h"
#include "pace/metrics_http.h"
#include "pace/prom_text.h"
#include "session/tegrastats.h"
#include "telemetry/vedirect.h"
#include "util.h"

static const char orin[] =
    "07-25-2026 09:08:28 RAM 20642/62817MB (lfb 1x2MB) CPU "
    "[23%@2201,10%@2201,4%@2201,14%@2201,30%@2201,18%@2201,10%@2201,10%@2201,33%@2201,7%@2201,"
    "5%@2201,27%@2201] EMC_FREQ 3%@3199 GR3D_FREQ 12%@[1300,1300] NVENC0 off NVDEC0 off NVJPG0 "
    "off NVJPG1 off VIC off OFA off NVDLA0 off NVDLA1 off PVA0_FREQ off APE 174 "
    "cpu@52.968C/52.968C soc2@48.406C/48.406C soc0@49.531C/49.531C gpu@47.625C/47.625C "
    "VDD_GPU_SOC 5139mW/5139mW/5139mW VDD_CPU_CV 3268mW/3268mW/3268mW VIN_SYS_5V0 "
    "5500mW/5500mW/5500mW";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void bench_tegrastats(void)
{
	struct tp_tegra_sample s;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS], t0, dt;
	int i, n = 100000;

	tp_chanset_init(&set);
	t0 = tp_mono_now();
	for (i = 0; i < n; i++) {
		tp_tegrastats_parse(orin, &s, NULL, 0);
		tp_tegrastats_frame(&s, &set, v);
	}
	dt = tp_mono_now() - t0;
	printf("tegrastats: %d JetPack 7 Orin lines parsed and framed in %.3f s: %.2f us/line, "
	       "%.0f lines/s\n",
	       n, dt, dt / n * 1e6, n / dt);
}

static void bench_prom(void)
{
	size_t len;
	char *text = slurp("fixtures/llama/server-metrics.txt", &len);
	double v, t0, dt;
	int i, n = 20000;

	if (!text) {
		printf("prom_text: fixtures/llama/server-metrics.txt not found (run from the tree "
		       "root)\n");
		return;
	}
	t0 = tp_mono_now();
	for (i = 0; i < n; i++) {
		tp_prom_find(text, len, "llamacpp:tokens_predicted_total", &v, NULL);
		tp_prom_find(text, len, "llamacpp:tokens_predicted_seconds_total", &v, NULL);
	}
	dt = tp_mono_now() - t0;
	printf("prom_text: both llama-server counters found in a %zu-byte scrape: %.2f us per "
	       "scrape\n",
	       len, dt / n * 1e6);
	free(text);
}

static void bench_llama_output(void)
{
	size_t len, off;
	char *text = slurp("fixtures/llama/llama-cli-perf.txt", &len);
	struct tp_llama_output p;
	double t0, dt;
	int i, n = 20000;

	if (!text)
		return;
	tp_llama_output_init(&p);
	t0 = tp_mono_now();
	for (i = 0; i < n; i++)
		for (off = 0; off < len; off += 64)
			tp_llama_output_feed(&p, text + off, len - off < 64 ? len - off : 64);
	dt = tp_mono_now() - t0;
	printf("llama_output: %.1f MB/s of llama-cli output fed in 64-byte chunks (%ld eval "
	       "lines found)\n",
	       (double)len * n / dt / 1e6, p.eval.count);
	free(text);
}

/* The VE.Direct parser on a real BMV-700 capture, fed as a serial read would. */
static void bench_vedirect(void)
{
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	size_t len, off, used, k;
	char *text = slurp("fixtures/vedirect/bmv700.dump", &len);
	double t0, dt, mbs;
	int i, n = 20000;

	if (!text) {
		printf(
		    "vedirect: fixtures/vedirect/bmv700.dump not found (run from the tree root)\n");
		return;
	}
	tp_vedirect_init(&p);
	tp_vedirect_block_clear(&r);
	t0 = tp_mono_now();
	for (i = 0; i < n; i++)
		for (off = 0; off < len; off += k)
			for (k = len - off < 64 ? len - off : 64; k > 0;) {
				if (tp_vedirect_feed(&p, text + off, k, &used))
					tp_vedirect_merge(&r, &p.last);
				off += used;
				k -= used;
			}
	dt = tp_mono_now() - t0;
	mbs = (double)len * n / dt / 1e6;
	/* a 19200-baud line carries 1920 bytes a second: 1 % of a core is 0.192 MB/s */
	printf("vedirect: %.1f MB/s of a BMV-700 capture in 64-byte reads, %.2f us a block "
	       "(%lu good, %lu dropped); target 1 %% of a core at 19200 baud (0.19 MB/s): %s\n",
	       mbs, dt / (double)(p.blocks + p.bad_checksum) * 1e6, p.blocks, p.bad_checksum,
	       mbs >= 0.192 ? "met" : "not met");
	free(text);
}

static void bench_metrics(void)
{
	struct tp_metrics *m = NULL;
	struct tp_chanset set;
	static char buf[1 << 20];
	double v[64], t0, dt;
	char err[200];
	int i, n = 2000, len = 0;

	if (tp_metrics_open(&m, "127.0.0.1:0", err, sizeof(err)) < 0) {
		printf("metrics_http: %s\n", err);
		return;
	}
	tp_chanset_init(&set);
	for (i = 0; i < 64; i++) {
		char name[32];

		snprintf(name, sizeof(name), "temp.zone%d", i);
		tp_chanset_add(&set, name);
		v[i] = 40 + i * 0.25;
	}
	t0 = tp_mono_now();
	for (i = 0; i < n * 10; i++)
		tp_metrics_update(m, &set, v, i);
	dt = tp_mono_now() - t0;
	printf("metrics_http: update of a 64-channel frame: %.2f us\n", dt / (n * 10) * 1e6);
	t0 = tp_mono_now();
	for (i = 0; i < n; i++)
		len = tp_metrics_render(m, buf, sizeof(buf));
	dt = tp_mono_now() - t0;
	printf("metrics_http: render of a 64-channel frame (%d bytes): %.1f us\n", len,
	       dt / n * 1e6);
	tp_metrics_close(m);
}

int main(void)
{
	bench_tegrastats();
	bench_prom();
	bench_llama_output();
	bench_vedirect();
	bench_metrics();
	return 0;
}
