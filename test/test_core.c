/* Unit tests of the shared core: channels, telemetry CSV, INI, boards, events. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "channel.h"
#include "event.h"
#include "ini_file.h"
#include "session/session.h"
#include "session/telemetry_csv.h"
#include "util.h"
#include "test.h"

static void test_channel_names(void)
{
	struct tp_chanset set;

	tp_chanset_init(&set);
	CHECK(tp_channel_kind("temp.cpu") == TP_KIND_TEMP);
	CHECK(tp_channel_kind("power.board") == TP_KIND_POWER);
	CHECK(tp_channel_kind("cpu") == TP_KIND_UNKNOWN);
	CHECK(tp_channel_kind("bogus.x") == TP_KIND_UNKNOWN);
	/* the energy store and the harvest: the unit comes from the name */
	CHECK(tp_channel_kind("battery.soc") == TP_KIND_BATTERY);
	CHECK(tp_channel_kind("solar.power") == TP_KIND_SOLAR);
	CHECK_STR(tp_channel_unit("battery.voltage"), "V");
	CHECK_STR(tp_channel_unit("battery.current"), "A");
	CHECK_STR(tp_channel_unit("battery.power"), "W");
	CHECK_STR(tp_channel_unit("battery.soc"), "%");
	CHECK_STR(tp_channel_unit("solar.voltage"), "V");
	CHECK_STR(tp_channel_unit("solar.other"), "");
	CHECK_STR(tp_channel_unit("temp.cpu"), "C");
	CHECK_INT(tp_chanset_add(&set, "temp.cpu"), 0);
	CHECK_INT(tp_chanset_add(&set, "power.board"), 1);
	CHECK_INT(tp_chanset_add(&set, "temp.cpu"), 0);
	CHECK_INT(tp_chanset_add(&set, "temp."), -EINVAL);
	CHECK_INT(tp_chanset_add(&set, "temp.a b"), -EINVAL);
	CHECK_INT(tp_chanset_find(&set, "power.board"), 1);
	CHECK_INT(tp_chanset_find(&set, "power.x"), -1);
	CHECK_STR(tp_kind_unit(TP_KIND_POWER), "W");
}

static void test_parse_numbers(void)
{
	double d = 7;
	long l = 7;

	CHECK_INT(tp_parse_double(" 42.5\n", &d), 0);
	CHECK_NEAR(d, 42.5, 0);
	CHECK(tp_parse_double("12abc", &d) < 0);
	CHECK(tp_parse_double("", &d) < 0);
	CHECK(tp_parse_double("nan", &d) < 0);
	CHECK_NEAR(d, 42.5, 0); /* untouched on failure */
	CHECK_INT(tp_parse_long("-256000", &l), 0);
	CHECK_INT(l, -256000);
	CHECK(tp_parse_long("99999999999999999999999", &l) == -ERANGE);
}

static void test_csv_roundtrip(void)
{
	struct tp_chanset set;
	struct tp_csv_writer w;
	struct tp_csv_reader *r = NULL;
	const char *meta[] = {"board: jetson-nano", "start_utc: 2026-01-01T00:00:00Z", NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	double v[2] = {41.5, NAN}, t, got[2];

	tp_chanset_init(&set);
	tp_chanset_add(&set, "temp.cpu");
	tp_chanset_add(&set, "power.board");
	CHECK_INT(tp_csv_writer_open(&w, f, &set, meta), 0);
	CHECK_INT(tp_csv_writer_row(&w, 0.0, v), 0);
	v[0] = 42.25;
	v[1] = 7.2;
	CHECK_INT(tp_csv_writer_row(&w, 0.1, v), 0);
	fclose(f);
	CHECK_STR(buf, "# board: jetson-nano\n# start_utc: 2026-01-01T00:00:00Z\n"
		       "t,temp.cpu,power.board\n0.000000,41.5,\n0.100000,42.25,7.2\n");
	CHECK_INT(tp_csv_reader_open_mem(&r, buf, len), 0);
	CHECK_STR(tp_csv_reader_meta(r, "board"), "jetson-nano");
	CHECK_INT(tp_csv_reader_channels(r)->n, 2);
	CHECK_INT(tp_csv_reader_next(r, &t, got), 1);
	CHECK(isnan(got[1]));
	CHECK_NEAR(got[0], 41.5, 0);
	CHECK_INT(tp_csv_reader_next(r, &t, got), 1);
	CHECK_NEAR(t, 0.1, 1e-12);
	CHECK_NEAR(got[1], 7.2, 0);
	CHECK_INT(tp_csv_reader_next(r, &t, got), 0);
	tp_csv_reader_close(r);
	free(buf);
}

static int csv_error(const char *text, const char *want)
{
	struct tp_csv_reader *r = NULL;
	double t, v[8];
	int ret = tp_csv_reader_open_mem(&r, text, strlen(text));
	int found;

	while (ret == 0 && (ret = tp_csv_reader_next(r, &t, v)) > 0)
		ret = 0;
	found = ret < 0 && strstr(tp_csv_reader_error(r), want) != NULL;
	if (!found)
		printf("#   '%s' gave '%s', wanted '%s'\n", text, tp_csv_reader_error(r), want);
	tp_csv_reader_close(r);
	return found;
}

static void test_csv_rejects(void)
{
	CHECK(csv_error("", "no header"));
	CHECK(csv_error("time,temp.cpu\n", "must start with column 't'"));
	CHECK(csv_error("t,temp.cpu,temp.cpu\n", "duplicate column"));
	CHECK(csv_error("t,cpu\n", "invalid channel name"));
	CHECK(csv_error("t,temp.cpu\n0,abc\n", ":2: non-numeric cell 'abc'"));
	CHECK(csv_error("t,temp.cpu\n0,1,2\n", "more cells"));
	CHECK(csv_error("t,temp.cpu,power.x\n0,1\n", "2 cells where the header has 3"));
	CHECK(csv_error("t,temp.cpu\n1,1\n0.5,1\n", "time goes backwards"));
	CHECK(csv_error("t,temp.cpu\nx,1\n", "invalid time"));
}

static void test_ini_and_board(void)
{
	struct tp_ini ini;
	struct tp_board b;
	double d = 0;

	CHECK_INT(tp_ini_load_mem(&ini, "[a]\nx = 1.5\ny=hello\n[b]\nx=2\n", "mem"), 0);
	CHECK_STR(tp_ini_get(&ini, "a", "y"), "hello");
	CHECK_INT(tp_ini_get_double(&ini, "b", "x", &d), 0);
	CHECK_NEAR(d, 2, 0);
	CHECK_INT(tp_ini_get_double(&ini, "a", "y", &d), -EINVAL);
	CHECK_INT(tp_ini_get_double(&ini, "a", "z", &d), -ENOENT);
	tp_ini_free(&ini);
	CHECK(tp_ini_load_mem(&ini, "[a\nx=1\n", "mem") < 0);
	CHECK(strstr(ini.err, "mem:1:") != NULL);
	tp_ini_free(&ini);

	CHECK_INT(tp_board_load(&b, "boards/jetson-nano.ini"), 0);
	CHECK_STR(b.name, "jetson-nano");
	CHECK(b.nzones >= 4);
	CHECK(tp_board_zone(&b, "PMIC-Die") != NULL);
	if (tp_board_zone(&b, "PMIC-Die"))
		CHECK(tp_board_zone_invalid(tp_board_zone(&b, "PMIC-Die"), 100.0));
	CHECK(tp_board_allows(&b, "socket"));
	tp_board_free(&b);
	CHECK(tp_board_load(&b, "no-such-board") < 0);
	CHECK(strstr(b.err, "unknown board 'no-such-board'") != NULL);
	tp_board_free(&b);
}

/* Line numbers, and unknown sections and keys refused with them. */
static void test_ini_unknown_keys(void)
{
	static const char *const akeys[] = {"x", "y", NULL};
	static const char *const zkeys[] = {"role", NULL};
	static const struct tp_ini_known known[] = {{"a", akeys}, {"zone.", zkeys}, {NULL, NULL}};
	struct tp_ini ini;
	char err[256];

	CHECK_INT(tp_ini_load_mem(&ini, "; c\n[a]\nx = 1\n\n[zone.cpu]\nrole = die\n", "m"), 0);
	CHECK_INT(ini.n, 2);
	if (ini.n == 2) {
		CHECK_INT(ini.e[0].line, 3);
		CHECK_INT(ini.e[1].line, 6);
	}
	CHECK_INT(tp_ini_check_keys(&ini, "m", known, err, sizeof(err)), 0);
	tp_ini_free(&ini);
	CHECK_INT(tp_ini_load_mem(&ini, "[a]\nx = 1\n[zone.cpu]\nrole = die\nrol = x\n", "m"), 0);
	CHECK_INT(tp_ini_check_keys(&ini, "m", known, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "m:5: unknown key 'rol' in [zone.cpu]");
	tp_ini_free(&ini);
	CHECK_INT(tp_ini_load_mem(&ini, "[b]\nx = 1\n", "m"), 0);
	CHECK_INT(tp_ini_check_keys(&ini, "m", known, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "m:2: unknown section [b]");
	tp_ini_free(&ini);
	/* "zone." alone is not a zone */
	CHECK_INT(tp_ini_load_mem(&ini, "[zone.]\nrole = die\n", "m"), 0);
	CHECK_INT(tp_ini_check_keys(&ini, "m", known, err, sizeof(err)), -EINVAL);
	tp_ini_free(&ini);
}

/* Every shipped profile loads; one misspelled key fails with its line. */
static void test_board_unknown_key(void)
{
	char dir[256], bad[320];
	char text[8192], *p;
	struct tp_board b;
	glob_t g;
	size_t i;
	int fd, len;

	/* every file in boards/, so that a new profile is checked without an edit here */
	CHECK_INT(glob("boards/*.ini", 0, NULL, &g), 0);
	CHECK(g.gl_pathc > 0);
	for (i = 0; i < g.gl_pathc; i++) {
		CHECK_INT(tp_board_load(&b, g.gl_pathv[i]), 0);
		if (b.err[0])
			printf("# %s: %s\n", g.gl_pathv[i], b.err);
		tp_board_free(&b);
	}
	globfree(&g);
	len = tp_read_text("boards/rpi5.ini", text, sizeof(text));
	CHECK(len > 0);
	p = strstr(text, "\nceiling_c");
	CHECK(p != NULL);
	if (len <= 0 || !p)
		return;
	memmove(p + 5, p + 6, strlen(p + 6) + 1); /* ceilng_c */
	if (test_tmpdir(dir, sizeof(dir), "core") < 0) {
		CHECK(!"a temporary directory");
		return;
	}
	snprintf(bad, sizeof(bad), "%s/typo.ini", dir);
	fd = open(bad, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	CHECK(tp_board_load(&b, bad) < 0);
	CHECK(strstr(b.err, "unknown key 'ceilng_c' in [ceiling]") != NULL);
	{
		char want[400];
		int line = 1;

		for (const char *q = text; q <= p; q++)
			line += *q == '\n';
		snprintf(want, sizeof(want), "%s:%d: ", bad, line);
		CHECK(strncmp(b.err, want, strlen(want)) == 0);
	}
	tp_board_free(&b);
	test_rmtree(dir);
}

static void test_event_format(void)
{
	json_t *ev = tp_event_new(12.3456789, "sensor_offset");
	char out[256];

	tp_event_set_num(ev, "value", 41.25);
	tp_event_set_num(ev, "residual", NAN);
	json_object_set_new(ev, "channel", json_string("temp.cpu"));
	CHECK(tp_event_format(ev, out, sizeof(out)) > 0);
	CHECK_STR(out, "{\"t\":12.345679,\"event\":\"sensor_offset\",\"value\":41.25,"
		       "\"residual\":null,\"channel\":\"temp.cpu\"}");
	json_decref(ev);
}

static void test_manifest_roundtrip(void)
{
	char dir[256], err[256] = "";
	struct tp_manifest m, r;
	char path[512];

	CHECK_INT(test_tmpdir(dir, sizeof(dir), "core"), 0);
	tp_manifest_init(&m, "jetson-nano", "live");
	m.interval_s = 0.25;
	m.audio_rate = 48000;
	m.audio_channels = 1;
	snprintf(m.audio_format, sizeof(m.audio_format), "S16_LE");
	m.audio_first_frame_t = 0.012;
	m.extra = "[sim]\nscenario = default\n";
	CHECK_INT(tp_manifest_write(&m, dir), 0);
	CHECK_INT(tp_manifest_read(&r, NULL, dir, err, sizeof(err)), 0);
	CHECK_STR(r.board, "jetson-nano");
	CHECK_NEAR(r.interval_s, 0.25, 0);
	CHECK_INT(r.audio_rate, 48000);
	CHECK_NEAR(r.audio_first_frame_t, 0.012, 1e-9);
	snprintf(path, sizeof(path), "%s/manifest.ini", dir);
	unlink(path);
	CHECK(tp_manifest_read(&r, NULL, dir, err, sizeof(err)) < 0);
	CHECK(strstr(err, "manifest.ini") != NULL);
	CHECK_INT(test_rmtree(dir), 0);
}

/* zone_low_c: read, defaulted to 0, and out of its range refused by name. */
static void test_board_zone_low(void)
{
	static const char *const text = "[board]\nname = t\nsource = test\n"
					"[ceiling]\nzone = cpu\nzone_low_c = -1\n";
	char dir[256], path[320];
	struct tp_board b;
	int fd;

	CHECK_INT(tp_board_load(&b, "boards/sim-orin.ini"), 0);
	CHECK_NEAR(b.zone_low_c, 0.5, 0);
	tp_board_free(&b);
	CHECK_INT(tp_board_load(&b, "boards/sim.ini"), 0);
	CHECK_NEAR(b.zone_low_c, 0, 0);
	tp_board_free(&b);
	if (test_tmpdir(dir, sizeof(dir), "core") < 0) {
		CHECK(!"a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/low.ini", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
		close(fd);
		CHECK(tp_board_load(&b, path) < 0);
		CHECK(strstr(b.err, "[ceiling] zone_low_c: not a number from 0 to 10") != NULL);
		tp_board_free(&b);
	}
	test_rmtree(dir);
}

int main(void)
{
	RUN(test_channel_names);
	RUN(test_parse_numbers);
	RUN(test_csv_roundtrip);
	RUN(test_csv_rejects);
	RUN(test_ini_and_board);
	RUN(test_ini_unknown_keys);
	RUN(test_board_unknown_key);
	RUN(test_board_zone_low);
	RUN(test_event_format);
	RUN(test_manifest_roundtrip);
	return test_done();
}
