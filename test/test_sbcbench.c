/* Unit tests of the sbc-bench log reader: table forms, time order, sessions. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "session/sbcbench.h"
#include "session/session.h"
#include "session/telemetry_csv.h"
#include "util.h"
#include "test.h"

static int parse(struct tp_sbcbench *sb, const char *text)
{
	char err[200];

	return tp_sbcbench_parse(sb, text, strlen(text), err, sizeof(err));
}

static double col(const struct tp_sbcbench *sb, int row, const char *name)
{
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	int i;

	tp_sbcbench_channels(sb, &set);
	i = tp_chanset_find(&set, name);
	if (i < 0)
		return -12345;
	tp_sbcbench_frame(sb, &set, row, v);
	return v[i];
}

static void test_big_little_with_blank(void)
{
	/* the padded clock cell "800/ 500MHz" from sbc-bench's own documentation */
	const char *log = "sbc-bench v0.9.8 Hardkernel Odroid XU4 (Mon, 01 Jan 2024 18:18:00 "
			  "+0000)\n\n"
			  "Thermal source: /sys/devices/virtual/thermal/thermal_zone0/ "
			  "(cpu0-thermal)\n\n"
			  "Time       big.LITTLE   load %cpu %sys %usr %nice %io %irq   Temp\n"
			  "18:18:33:  800/ 500MHz  0.00  18%   0%  17%   0%   0%   0%  25.0°C\n"
			  "18:18:38: 2000/1400MHz  0.00   0%   0%   0%   0%   0%   0%  24.0°C\n"
			  "^C\n";
	struct tp_sbcbench sb;

	CHECK_INT(parse(&sb, log), 0);
	CHECK_INT(sb.nrows, 2);
	CHECK_INT(sb.nclusters, 2);
	CHECK_STR(sb.temp_channel, "temp.cpu");
	CHECK_NEAR(col(&sb, 0, "freq.cpu_cluster0"), 800e6, 0.5);
	CHECK_NEAR(col(&sb, 0, "freq.cpu_cluster1"), 500e6, 0.5);
	/* freq.cpu follows the cluster that reaches the highest clock */
	CHECK_NEAR(col(&sb, 1, "freq.cpu"), 2000e6, 0.5);
	CHECK_NEAR(col(&sb, 0, "util.cpu"), 0.18, 1e-12);
	CHECK_NEAR(tp_sbcbench_t(&sb, 1), 5, 0);
	CHECK_STR(sb.board, "");
	tp_sbcbench_free(&sb);
}

static void test_three_clusters_and_named_zone(void)
{
	const char *log =
	    "sbc-bench v0.9.40 Rock 5B (Sat, 04 Mar 2023 23:59:50 +0100)\n"
	    "Thermal source: /sys/devices/virtual/thermal/thermal_zone0/ "
	    "(soc-thermal)\n"
	    "Time       cpu0/cpu4/cpu6    load %cpu %sys %usr %nice %io %irq   Temp\n"
	    "23:59:55: 1800/2352/2304MHz  1.00  25%   0%  25%   0%   0%   0%  40.7°C\n"
	    "00:00:05: 1800/2352/2304MHz  1.10  26%   0%  25%   0%   0%   0%  41.6°C\n"
	    "\n"
	    "DT compat: radxa,rock-5b\n           rockchip,rk3588\n";
	struct tp_sbcbench sb;

	CHECK_INT(parse(&sb, log), 0);
	CHECK_INT(sb.nclusters, 3);
	CHECK_STR(sb.temp_channel, "temp.soc_thermal");
	CHECK_STR(sb.board, "rk3588");
	CHECK_NEAR(col(&sb, 0, "freq.cpu4"), 2352e6, 0.5);
	CHECK_NEAR(col(&sb, 0, "freq.cpu6"), 2304e6, 0.5);
	CHECK_NEAR(col(&sb, 0, "freq.cpu"), 2352e6, 0.5);
	CHECK_NEAR(col(&sb, 1, "temp.soc_thermal"), 41.6, 1e-12);
	/* past midnight: the next day, 10 s later */
	CHECK_NEAR(tp_sbcbench_t(&sb, 1), 10, 0);
	tp_sbcbench_free(&sb);
}

static void test_no_date_wraps_in_file_order(void)
{
	const char *log = "some other first line\n"
			  "Time      CPU n/a    load %cpu %sys %usr %nice %io %irq   Temp\n"
			  "23:59:58:      -      1.00  25%   0%  25%   0%   0%   0%  40.0°C\n"
			  "00:00:03:      -      1.00  25%   0%  25%   0%   0%   0%  41.0°C\n";
	struct tp_sbcbench sb;

	CHECK_INT(parse(&sb, log), 0);
	CHECK_INT(sb.nrows, 2);
	CHECK(!sb.has_start);
	CHECK_NEAR(tp_sbcbench_t(&sb, 1), 5, 0);
	CHECK_NEAR(col(&sb, 0, "freq.cpu"), -12345, 0); /* no clock: no channel */
	tp_sbcbench_free(&sb);
}

static void test_tables_merged_in_time_order(void)
{
	/* like the real logs: the "System health now" table comes first in the file */
	const char *log =
	    "sbc-bench v0.9.65 Raspberry Pi 5 Model B Rev 1.0 (Tue, 19 Mar 2024 "
	    "19:04:10 +0100)\n"
	    "System health now:\n\n"
	    "Time        fake/real   load %cpu %sys %usr %nice %io %irq   Temp    VCore "
	    "   PMIC   DC(V)\n"
	    "19:15:45: 2400/2400MHz  4.01 100%   0%  99%   0%   0%   0%  50.7°C  "
	    "0.8684V   5.8W   5.14V \n\n"
	    "System health while running tinymembench:\n\n"
	    "Time        fake/real   load %cpu %sys %usr %nice %io %irq   Temp    VCore "
	    "   PMIC   DC(V)\n"
	    "19:04:56: 2400/1800MHz  0.53  18%   0%  18%   0%   0%   0%  27.6°C  "
	    "0.8690V   4.0W   5.14V \n"
	    "19:05:07: 2400/2400MHz  0.60  2%5   0%  25%   0%   0%   0%  28.1°C  "
	    "0.8693V   4.0W   5.15V \n"
	    "19:15:45: 2400/2400MHz  4.01 100%   0%  99%   0%   0%   0%  50.7°C  "
	    "0.8684V   5.8W   5.14V \n";
	struct tp_sbcbench sb;

	CHECK_INT(parse(&sb, log), 0);
	CHECK_INT(sb.ntables, 2);
	CHECK_INT(sb.nrows, 2);
	CHECK_INT(sb.nbad, 1);
	CHECK(strstr(sb.first_bad, "percentages") != NULL);
	CHECK_INT(sb.ndup, 1);
	CHECK_STR(sb.board, "rpi5");
	CHECK_NEAR(tp_sbcbench_t(&sb, 1), 649, 0);
	CHECK_NEAR(col(&sb, 0, "freq.cpu"), 1800e6, 0.5); /* the measured clock */
	CHECK_NEAR(col(&sb, 0, "freq.cpu_cpufreq"), 2400e6, 0.5);
	CHECK_NEAR(col(&sb, 1, "power.board"), 5.8, 1e-12);
	CHECK_NEAR(col(&sb, 1, "volt.core"), 0.8684, 1e-12);
	CHECK_NEAR(col(&sb, 1, "volt.dc"), 5.14, 1e-12);
	tp_sbcbench_free(&sb);
}

/* The board guessed is the name of a profile that loads, or none. */
static void test_board_guess_is_a_profile(void)
{
	static const char *const cases[][2] = {
	    {"NVIDIA Jetson AGX Orin Developer Kit", "jetson-agx-orin"},
	    {"NVIDIA Jetson Orin Nano Developer Kit", "jetson-orin-nano"},
	    {"NVIDIA Jetson Orin NX Engineering Reference Developer Kit", "jetson-orin-nano"},
	    {"NVIDIA Jetson Xavier NX Developer Kit", "jetson-xavier-nx"},
	    {"NVIDIA Jetson Nano Developer Kit", "jetson-nano"},
	    {"Raspberry Pi 5 Model B Rev 1.0", "rpi5"},
	    {"Raspberry Pi 400 Rev 1.0", "rpi4"},
	    {"Rockchip RK3588 EVB", "rk3588"},
	    {"Jetson-AGX", ""}, /* AGX Xavier: no profile */
	};
	struct tp_sbcbench sb;
	struct tp_board b;
	char text[600];
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(cases); i++) {
		snprintf(text, sizeof(text),
			 "sbc-bench v0.9.65 %s (Tue, 19 Mar 2024 19:04:10 +0100)\n\n"
			 "Time        CPU    load %%cpu %%sys %%usr %%nice %%io %%irq   Temp\n"
			 "19:04:16: 1479MHz  0.99   0%%   0%%   0%%   0%%   0%%   0%%  33.5C\n",
			 cases[i][0]);
		CHECK_INT(parse(&sb, text), 0);
		CHECK_STR(sb.board, cases[i][1]);
		if (sb.board[0]) {
			CHECK_INT(tp_board_load(&b, sb.board), 0);
			tp_board_free(&b);
		}
		tp_sbcbench_free(&sb);
	}
}

static void test_no_table(void)
{
	struct tp_sbcbench sb;
	char err[200] = "";
	const char *log = "sbc-bench v0.9.65 x\nTime        CPU    load %cpu\n";

	CHECK_INT(tp_sbcbench_parse(&sb, log, strlen(log), err, sizeof(err)), -ENODATA);
	CHECK(strstr(err, "System health") != NULL);
	tp_sbcbench_free(&sb);
	CHECK_INT(tp_sbcbench_parse(&sb, "", 0, err, sizeof(err)), -ENODATA);
	tp_sbcbench_free(&sb);
}

/* The checked-in sessions read back through the session and CSV readers. */
static void test_sessions_read_back(void)
{
	static const char *const dirs[] = {"fixtures/sessions/sbcbench-rpi5",
					   "fixtures/sessions/sbcbench-nano"};
	size_t k;

	for (k = 0; k < TP_ARRAY_LEN(dirs); k++) {
		struct tp_manifest m;
		struct tp_csv_reader *r = NULL;
		char err[300], path[512];
		double t, last = -1, v[TP_MAX_CHANNELS];
		int rows = 0, ret;

		CHECK_INT(tp_manifest_read(&m, NULL, dirs[k], err, sizeof(err)), 0);
		CHECK_STR(m.source, "import");
		snprintf(path, sizeof(path), "%s/telemetry.csv", dirs[k]);
		CHECK_INT(tp_csv_reader_open(&r, path), 0);
		CHECK(tp_chanset_find(tp_csv_reader_channels(r), "temp.cpu") >= 0);
		CHECK(tp_chanset_find(tp_csv_reader_channels(r), "freq.cpu") >= 0);
		while ((ret = tp_csv_reader_next(r, &t, v)) == 1) {
			CHECK(t > last);
			last = t;
			rows++;
		}
		CHECK_INT(ret, 0);
		CHECK(rows > 50);
		tp_csv_reader_close(r);
	}
}

int main(void)
{
	RUN(test_big_little_with_blank);
	RUN(test_three_clusters_and_named_zone);
	RUN(test_no_date_wraps_in_file_order);
	RUN(test_tables_merged_in_time_order);
	RUN(test_board_guess_is_a_profile);
	RUN(test_no_table);
	RUN(test_sessions_read_back);
	return test_done();
}
