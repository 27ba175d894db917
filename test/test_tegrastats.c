/* Unit tests of the tegrastats line parser on the real lines of every JetPack. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "session/tegrastats.h"
#include "session/telemetry_csv.h"
#include "util.h"
#include "test.h"

#define TX2                                                                                        \
	"RAM 1685/7854MB (lfb 1044x4MB) SWAP 278/8192MB (cached 23MB) CPU "                        \
	"[0%@1303,0%@345,0%@345,0%@1419,0%@1420,0%@1421] EMC_FREQ 0%@1866 GR3D_FREQ 0%@140 APE "   \
	"150 MTS fg 1% bg 8% BCPU@41C MCPU@41C GPU@39C PLL@41C Tboard@37C Tdiode@37.25C "          \
	"PMIC@100C thermal@39.9C VDD_IN 1931/1931 VDD_CPU 231/231 VDD_GPU 154/154 VDD_SOC "        \
	"385/385 VDD_WIFI 38/38 VDD_DDR 326/326\n"
#define NANO                                                                                       \
	"RAM 2015/3964MB (lfb 98x4MB) SWAP 29/1982MB (cached 3MB) CPU "                            \
	"[6%@102,5%@102,4%@102,3%@102] "                                                           \
	"EMC_FREQ 0% GR3D_FREQ 0% PLL@28C CPU@31.5C PMIC@100C GPU@30.5C AO@36C thermal@31.25C "    \
	"POM_5V_IN 1388/1388 POM_5V_GPU 122/122 POM_5V_CPU 163/163"
#define ORIN                                                                                       \
	"07-25-2026 09:08:28 RAM 20642/62817MB (lfb 1x2MB) CPU "                                   \
	"[23%@2201,10%@2201,4%@2201,14%@2201,30%@2201,18%@2201,10%@2201,10%@2201,33%@2201,7%@"     \
	"2201,"                                                                                    \
	"5%@2201,27%@2201] EMC_FREQ 3%@3199 GR3D_FREQ 12%@[1300,1300] NVENC0 off NVDEC0 off "      \
	"NVJPG0 off NVJPG1 off VIC off OFA off NVDLA0 off NVDLA1 off PVA0_FREQ off APE 174 "       \
	"cpu@52.968C/52.968C soc2@48.406C/48.406C soc0@49.531C/49.531C gpu@47.625C/47.625C "       \
	"VDD_GPU_SOC 5139mW/5139mW/5139mW VDD_CPU_CV 3268mW/3268mW/3268mW VIN_SYS_5V0 "            \
	"5500mW/5500mW/5500mW"
#define XAVIER                                                                                     \
	"RAM 2690/6854MB (lfb 6x1MB) SWAP 479/3427MB (cached 3MB) CPU "                            \
	"[3%@1904,7%@1906,1%@1905,0%@1907,off,off] EMC_FREQ 0%@1600 GR3D_FREQ 0%@[510] VIC_FREQ "  \
	"601 APE 150 AUX@39C CPU@39.5C AO@37.5C GPU@37.5C PMIC@50C VDD_IN 5079mW/5079mW "          \
	"VDD_CPU_GPU_CV 696mW/696mW VDD_SOC 1104mW/1104mW"

static const struct tp_tegra_temp *temp(const struct tp_tegra_sample *s, const char *name)
{
	int i;

	for (i = 0; i < s->ntemps; i++)
		if (strcmp(s->temps[i].name, name) == 0)
			return &s->temps[i];
	return NULL;
}

static const struct tp_tegra_rail *rail(const struct tp_tegra_sample *s, const char *name)
{
	int i;

	for (i = 0; i < s->nrails; i++)
		if (strcmp(s->rails[i].name, name) == 0)
			return &s->rails[i];
	return NULL;
}

static double chan(const struct tp_chanset *set, const double *v, const char *name)
{
	int i = tp_chanset_find(set, name);

	return i < 0 ? -12345 : v[i];
}

static void test_jetpack4_tx2(void)
{
	struct tp_tegra_sample s;
	const struct tp_tegra_temp *t;
	char err[160];

	CHECK_INT(tp_tegrastats_parse(TX2, &s, err, sizeof(err)), 0);
	CHECK(!s.has_stamp);
	CHECK_NEAR(s.ram_used_mb, 1685, 0);
	CHECK_NEAR(s.ram_total_mb, 7854, 0);
	CHECK_NEAR(s.swap_total_mb, 8192, 0);
	CHECK_INT(s.ncpu, 6);
	CHECK_NEAR(s.cpu[0].freq_hz, 1303e6, 0.5);
	CHECK_NEAR(s.cpu[5].freq_hz, 1421e6, 0.5);
	CHECK_NEAR(s.emc_freq_hz, 1866e6, 0.5);
	CHECK_NEAR(s.gpu_freq_hz, 140e6, 0.5);
	CHECK_INT(s.ntemps, 8);
	t = temp(&s, "Tdiode");
	CHECK(t && t->c == 37.25 && !t->invalid);
	t = temp(&s, "PMIC");
	CHECK(t && t->invalid != NULL);
	CHECK_INT(s.nrails, 6);
	CHECK(rail(&s, "VDD_IN") && fabs(rail(&s, "VDD_IN")->cur_w - 1.931) < 1e-12);
	CHECK(rail(&s, "VDD_DDR") && fabs(rail(&s, "VDD_DDR")->avg_w - 0.326) < 1e-12);
	CHECK(rail(&s, "VDD_IN") && isnan(rail(&s, "VDD_IN")->third_w));
}

static void test_jetpack4_nano(void)
{
	struct tp_tegra_sample s;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];

	CHECK_INT(tp_tegrastats_parse(NANO, &s, NULL, 0), 0);
	CHECK(isnan(s.emc_freq_hz));
	CHECK_NEAR(s.emc_util, 0, 0);
	CHECK(isnan(s.gpu_freq_hz));
	tp_chanset_init(&set);
	tp_frame_clear(v, TP_MAX_CHANNELS);
	CHECK(tp_tegrastats_frame(&s, &set, v) > 0);
	/* POM_5V_IN is the board total: also power.board, in W */
	CHECK_NEAR(chan(&set, v, "power.board"), 1.388, 1e-12);
	CHECK_NEAR(chan(&set, v, "power.pom_5v_in"), 1.388, 1e-12);
	CHECK_NEAR(chan(&set, v, "power.pom_5v_gpu"), 0.122, 1e-12);
	CHECK_NEAR(chan(&set, v, "temp.cpu"), 31.5, 0);
	CHECK_NEAR(chan(&set, v, "util.cpu"), (0.06 + 0.05 + 0.04 + 0.03) / 4, 1e-12);
	CHECK_NEAR(chan(&set, v, "freq.cpu"), 102e6, 0.5);
	/* no GR3D clock in this line: no freq.gpu channel */
	CHECK_INT(tp_chanset_find(&set, "freq.gpu"), -1);
	/* the fake PMIC reading: a channel with no value */
	CHECK(tp_chanset_find(&set, "temp.pmic") >= 0);
	CHECK(isnan(chan(&set, v, "temp.pmic")));
}

static void test_jetpack7_orin(void)
{
	struct tp_tegra_sample s;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	const struct tp_tegra_rail *r;

	CHECK_INT(tp_tegrastats_parse(ORIN, &s, NULL, 0), 0);
	CHECK(s.has_stamp);
	CHECK_INT(s.stamp_s, 1784970508LL); /* 2026-07-25 09:08:28 */
	CHECK(isnan(s.swap_used_mb));
	CHECK_INT(s.ncpu, 12);
	CHECK_NEAR(s.gpu_util, 0.12, 1e-12);
	CHECK_NEAR(s.gpu_freq_hz, 1300e6, 0.5);
	CHECK(temp(&s, "cpu") && temp(&s, "cpu")->c == 52.968);
	r = rail(&s, "VDD_GPU_SOC");
	CHECK(r && fabs(r->cur_w - 5.139) < 1e-12 && fabs(r->third_w - 5.139) < 1e-12);
	tp_chanset_init(&set);
	tp_frame_clear(v, TP_MAX_CHANNELS);
	CHECK(tp_tegrastats_frame(&s, &set, v) > 0);
	CHECK_NEAR(chan(&set, v, "power.board"), 5.5, 1e-12);
	CHECK_NEAR(chan(&set, v, "power.vin_sys_5v0"), 5.5, 1e-12);
	CHECK_NEAR(chan(&set, v, "util.cpu"), 1.91 / 12, 1e-12);
	CHECK_NEAR(chan(&set, v, "temp.soc2"), 48.406, 1e-12);
}

static void test_jetpack5_xavier_off_cpus(void)
{
	struct tp_tegra_sample s;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];

	CHECK_INT(tp_tegrastats_parse(XAVIER, &s, NULL, 0), 0);
	CHECK_INT(s.ncpu, 6);
	CHECK(!s.cpu[4].online && !s.cpu[5].online);
	CHECK_NEAR(s.gpu_freq_hz, 510e6, 0.5);
	CHECK(rail(&s, "VDD_IN") && fabs(rail(&s, "VDD_IN")->avg_w - 5.079) < 1e-12);
	CHECK(temp(&s, "PMIC") && temp(&s, "PMIC")->invalid);
	tp_chanset_init(&set);
	tp_frame_clear(v, TP_MAX_CHANNELS);
	tp_tegrastats_frame(&s, &set, v);
	/* mean of the online CPUs only */
	CHECK_NEAR(chan(&set, v, "util.cpu"), 0.0275, 1e-12);
	CHECK_NEAR(chan(&set, v, "power.board"), 5.079, 1e-12);
	CHECK_NEAR(chan(&set, v, "power.vdd_cpu_gpu_cv"), 0.696, 1e-12);
}

static void test_invalid_readings(void)
{
	struct tp_tegra_sample s;
	const char *line = "RAM 1/2MB CPU [1%@100] cv0@-256C GPU@-256C tj@-45C hot@151C ok@60C";

	CHECK_INT(tp_tegrastats_parse(line, &s, NULL, 0), 0);
	CHECK_INT(s.ntemps, 5);
	CHECK(temp(&s, "cv0")->invalid && strstr(temp(&s, "cv0")->invalid, "-256"));
	CHECK(temp(&s, "GPU")->invalid);
	CHECK(temp(&s, "tj")->invalid && strstr(temp(&s, "tj")->invalid, "below"));
	CHECK(temp(&s, "hot")->invalid && strstr(temp(&s, "hot")->invalid, "above"));
	CHECK(temp(&s, "ok")->invalid == NULL);
}

static void test_malformed_lines(void)
{
	static const char *const bad[] = {
	    "",
	    "hello world",
	    "RAM 1685/78",
	    "RAM 1685/7854MB CPU [6%@102,abc]",
	    "RAM 1685/7854MB CPU []",
	    "RAM 1685/7854MB CPU [6%@102",
	    "RAM 1685/7854MB GR3D_FREQ 12%@[1300,",
	    "RAM 1685/7854MB EMC_FREQ x%",
	    "RAM 1685/7854MB CPU@abcC",
	    "RAM 1685/7854MB CPU@41C/C",
	    "RAM 1685/7854MB CPU [6%@0x10]",
	    "RAM 1685/7854MB CPU [nan%@100]",
	    "RAM",
	    "VDD_IN 1931/1931",
	};
	struct tp_tegra_sample s;
	char err[160];
	size_t i;

	s.ncpu = -7;
	for (i = 0; i < TP_ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		if (tp_tegrastats_parse(bad[i], &s, err, sizeof(err)) != -EINVAL) {
			printf("#   accepted: '%s'\n", bad[i]);
			CHECK(0);
		}
		CHECK(err[0] != '\0');
	}
	CHECK_INT(s.ncpu, -7); /* untouched on failure */
}

static void test_unknown_fields_skipped(void)
{
	struct tp_tegra_sample s;
	const char *line = "RAM 1/2MB IRAM 0/252kB(lfb 252kB) CPU [1%@100] NEW_THING 7 "
			   "VIC_FREQ 0%@115 NVENC 1036 MTS fg 0% bg 3% NC 0mW/0mW Xx@y VDD 1/2";

	CHECK_INT(tp_tegrastats_parse(line, &s, NULL, 0), 0);
	CHECK_INT(s.nrails, 1); /* NC is an unconnected channel, skipped */
	CHECK_STR(s.rails[0].name, "VDD");
	CHECK_NEAR(s.rails[0].cur_w, 0.001, 1e-15);
}

static void test_channel_names(void)
{
	char out[TP_CHANNEL_NAME_MAX];

	CHECK_INT(tp_tegrastats_temp_channel("Tdiode", out, sizeof(out)), 0);
	CHECK_STR(out, "temp.tdiode");
	CHECK_INT(tp_tegrastats_temp_channel("CV-0", out, sizeof(out)), 0);
	CHECK_STR(out, "temp.cv_0");
	CHECK_INT(tp_tegrastats_rail_channel("VDD_GPU_SOC", out, sizeof(out)), 0);
	CHECK_STR(out, "power.vdd_gpu_soc");
	CHECK(tp_tegrastats_rail_is_total("POM_5V_IN"));
	CHECK(tp_tegrastats_rail_is_total("VIN_SYS_5V0"));
	CHECK(!tp_tegrastats_rail_is_total("VDD_CPU"));
}

/* --read-csv FILE...: each golden CSV must read back through the telemetry reader. */
static int read_csv(int argc, char **argv)
{
	int i, status = 0;

	for (i = 2; i < argc; i++) {
		struct tp_csv_reader *r = NULL;
		double t, v[TP_MAX_CHANNELS];
		int ret = tp_csv_reader_open(&r, argv[i]), rows = 0;

		while (ret == 0 && (ret = tp_csv_reader_next(r, &t, v)) == 1) {
			rows++;
			ret = 0;
		}
		if (ret < 0 || rows == 0) {
			fprintf(stderr, "%s: %s (%d rows)\n", argv[i],
				r ? tp_csv_reader_error(r) : strerror(-ret), rows);
			status = 1;
		}
		tp_csv_reader_close(r);
	}
	return status;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--read-csv") == 0)
		return read_csv(argc, argv);
	RUN(test_jetpack4_tx2);
	RUN(test_jetpack4_nano);
	RUN(test_jetpack7_orin);
	RUN(test_jetpack5_xavier_off_cpus);
	RUN(test_invalid_readings);
	RUN(test_malformed_lines);
	RUN(test_unknown_fields_skipped);
	RUN(test_channel_names);
	return test_done();
}
