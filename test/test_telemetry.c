/*
 * Telemetry sources on fixture trees: the bundled board fixtures, and trees
 * built here for bad input (non-numeric, empty, out of range, a directory
 * or a FIFO where a file is expected, EIO and vanished devices through the
 * read seam, unreadable files), RAPL wraps, Raspberry Pi sticky bits through
 * a real child process, and libsensors in a private mount namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board.h"
#include "channel.h"
#include "sysfs.h"
#include "telemetry/telemetry.h"
#include "util.h"
#include "test.h"

static char root[PATH_MAX];

struct reports {
	int n;
	int per[TP_MAX_CHANNELS];
	char last[512];
};

static void count_report(void *ctx, int index, const char *msg)
{
	struct reports *r = ctx;

	r->n++;
	if (index >= 0 && index < TP_MAX_CHANNELS)
		r->per[index]++;
	snprintf(r->last, sizeof(r->last), "%s", msg);
}

static void quiet(void *ctx, int index, const char *msg)
{
	(void)ctx;
	(void)index;
	(void)msg;
}

static void put_mode(const char *rel, const char *content, unsigned mode)
{
	char path[PATH_MAX + 256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	tp_mkdir_p(path, 0755);
	*slash = '/';
	f = fopen(path, "w"); /* truncates in place: descriptors kept open see the new text */
	if (!f) {
		printf("# cannot write %s\n", path);
		return;
	}
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

static void put(const char *rel, const char *content)
{
	put_mode(rel, content, 0644);
}

static void new_root(void)
{
	if (test_tmpdir(root, sizeof(root), "tel") < 0)
		root[0] = '\0';
	chmod(root, 0755);
}

static void drop_root(void)
{
	if (root[0])
		test_rmtree(root);
	root[0] = '\0';
}

static int load_profile(struct tp_board *b, const char *text)
{
	char path[PATH_MAX + 16];
	int ret;

	snprintf(path, sizeof(path), "%s/board.ini", root);
	put("board.ini", text);
	ret = tp_board_load(b, path);
	if (ret < 0)
		printf("# profile: %s\n", b->err);
	return ret;
}

/* Channel by name into *c; 0, or -1 when absent. */
static int chan(const struct tp_telemetry *tel, const char *name, struct tp_telemetry_chan *c)
{
	int i;

	for (i = 0; i < tp_telemetry_count(tel); i++) {
		tp_telemetry_chan(tel, i, c);
		if (strcmp(c->name, name) == 0)
			return 0;
	}
	return -1;
}

static double value(const struct tp_telemetry *tel, const char *name)
{
	struct tp_telemetry_chan c;

	if (chan(tel, name, &c) < 0) {
		printf("#   no channel %s\n", name);
		return NAN;
	}
	return c.value;
}

static int has_note(const struct tp_telemetry *tel, const char *needle)
{
	const char *n;
	int i;

	for (i = 0; (n = tp_telemetry_note(tel, i)) != NULL; i++)
		if (strstr(n, needle))
			return 1;
	return 0;
}

static int reason_has(const struct tp_telemetry *tel, const char *name, enum tp_chan_status st,
		      const char *needle)
{
	struct tp_telemetry_chan c;

	if (chan(tel, name, &c) < 0)
		return 0;
	if (c.status != st || !strstr(c.reason, needle)) {
		printf("#   %s: status %d reason '%s'\n", name, c.status, c.reason);
		return 0;
	}
	return 1;
}

static void test_nano_fixture(void)
{
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	struct tp_telemetry_chan c;
	struct reports rep = {0};
	double v[TP_MAX_CHANNELS], t1, t3;
	char err[256];

	CHECK_INT(tp_board_load(&b, "jetson-nano"), 0);
	tp_chanset_init(&set);
	tp_chanset_add(&set, "tokens.total"); /* the set may hold other channels already */
	CHECK_INT(tp_telemetry_open(&tel, "fixtures/sysfs/jetson-nano", &b, &set, err, sizeof(err)),
		  0);
	if (!tel) {
		tp_board_free(&b);
		return;
	}
	tp_telemetry_set_report(tel, count_report, &rep);
	CHECK_INT(tp_telemetry_count(tel), 26);
	CHECK_INT(set.n, 27);
	tp_frame_clear(v, set.n);
	CHECK_INT(tp_telemetry_sample(tel, v), 25);
	t1 = tp_telemetry_last_time(tel);
	CHECK(isnan(v[0])); /* tokens.total untouched */
	CHECK_NEAR(v[tp_chanset_find(&set, "temp.cpu")], 31.5, 1e-12);
	CHECK_NEAR(value(tel, "temp.fan_est"), 31.25, 1e-12);
	CHECK_NEAR(value(tel, "power.board"), 1.388, 1e-12);
	CHECK_NEAR(value(tel, "power.gpu"), 0.122, 1e-12);
	CHECK_NEAR(value(tel, "curr.board"), 0.278, 1e-12);
	CHECK_NEAR(value(tel, "freq.cpu_hwmax"), 1479e6, 0);
	CHECK_NEAR(value(tel, "freq.gpu_hwmax"), 921.6e6, 0);
	CHECK_NEAR(value(tel, "state.cool_max"), 0, 0);
	CHECK_NEAR(value(tel, "energy.board"), 0, 0);
	CHECK(isnan(v[tp_chanset_find(&set, "temp.pmic")]));
	CHECK(reason_has(tel, "temp.pmic", TP_CHAN_INVALID, "sentinel"));
	CHECK_INT(chan(tel, "temp.pmic", &c), 0);
	CHECK_NEAR(c.raw, 100, 1e-12);
	CHECK_STR(c.path, "/sys/class/thermal/thermal_zone4/temp");
	CHECK_INT(chan(tel, "power.board", &c), 0);
	CHECK_STR(c.source, "ina3221-iio");
	CHECK_STR(c.path, "/sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_power0_input");
	CHECK_STR(c.unit, "W");
	tp_telemetry_sample(tel, v);
	tp_telemetry_sample(tel, v);
	t3 = tp_telemetry_last_time(tel);
	/* constant power: the integral over the exact sample times */
	CHECK(t3 > t1);
	CHECK_NEAR(v[tp_chanset_find(&set, "energy.board")], 1.388 * (t3 - t1), 1e-12);
	/* the PMIC placeholder is declared by the profile: expected, never reported */
	CHECK_INT(rep.n, 0);
	CHECK_INT(rep.per[tp_chanset_find(&set, "temp.pmic")], 0);
	CHECK(isnan(v[tp_chanset_find(&set, "temp.pmic")]));
	tp_telemetry_close(tel);
	tp_board_free(&b);
}

static void test_no_profile(void)
{
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	struct tp_telemetry_chan c;
	double v[TP_MAX_CHANNELS];
	char err[256];

	tp_chanset_init(&set);
	CHECK_INT(
	    tp_telemetry_open(&tel, "fixtures/sysfs/jetson-nano", NULL, &set, err, sizeof(err)), 0);
	if (!tel)
		return;
	tp_telemetry_set_report(tel, quiet, NULL);
	tp_telemetry_sample(tel, v);
	/* default names: zone type sanitized, rails by rail_name, no total without a profile */
	CHECK_NEAR(value(tel, "temp.cpu_therm"), 31.5, 1e-12);
	CHECK_NEAR(value(tel, "temp.pmic_die"), 100, 1e-12);
	CHECK_NEAR(value(tel, "power.pom_5v_in"), 1.388, 1e-12);
	CHECK_NEAR(value(tel, "freq.gpu"), 76.8e6, 0);
	CHECK_INT(chan(tel, "power.board", &c), -1);
	CHECK_INT(chan(tel, "energy.board", &c), -1);
	tp_telemetry_close(tel);
}

static const char bad_profile[] = "[board]\nname = bad\nsource = test\n"
				  "[rail.typo]\nsource = ina3221_iio\nchannel = power.typo\n"
				  "[zone.good]\nchannel = temp.good\nrole = die\n"
				  "[zone.hot]\nchannel = temp.hot\nmax_c = 125\n"
				  "[zone.absent]\nchannel = temp.absent\n";

static ssize_t marker_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r = pread(fd, buf, n, off);

	/* files whose text names an errno fail with it, as broken hardware does */
	if (r >= 3 && memcmp(buf, "EIO", 3) == 0) {
		errno = EIO;
		return -1;
	}
	if (r >= 6 && memcmp(buf, "ENODEV", 6) == 0) {
		errno = ENODEV;
		return -1;
	}
	return r;
}

static void build_bad_tree(void)
{
	char path[PATH_MAX + 64];

	put("sys/class/thermal/thermal_zone0/type", "good\n");
	put("sys/class/thermal/thermal_zone0/temp", "42000\n");
	put("sys/class/thermal/thermal_zone1/type", "nonnum\n");
	put("sys/class/thermal/thermal_zone1/temp", "abc\n");
	put("sys/class/thermal/thermal_zone2/type", "empty\n");
	put("sys/class/thermal/thermal_zone2/temp", "");
	put("sys/class/thermal/thermal_zone3/type", "hot\n");
	put("sys/class/thermal/thermal_zone3/temp", "126000\n");
	put("sys/class/thermal/thermal_zone4/type", "isdir\n");
	put("sys/class/thermal/thermal_zone4/temp/x", "1\n");
	put("sys/class/thermal/thermal_zone5/type", "fifo\n");
	snprintf(path, sizeof(path), "%s/sys/class/thermal/thermal_zone5/temp", root);
	mkfifo(path, 0644);
	put("sys/class/thermal/thermal_zone6/type", "gated\n");
	put("sys/class/thermal/thermal_zone6/temp", "-256000\n");
	put("sys/class/thermal/thermal_zone7/type", "missing\n");
	put("sys/class/thermal/thermal_zone8/mode", "enabled\n"); /* no type */
	put("sys/class/thermal/thermal_zone9/type", "eio\n");
	put("sys/class/thermal/thermal_zone9/temp", "EIO\n");
	put("sys/class/thermal/thermal_zone10/type", "vanished\n");
	put("sys/class/thermal/thermal_zone10/temp", "40000\n");
	put("sys/class/thermal/thermal_zone11/type", "huge\n");
	put("sys/class/thermal/thermal_zone11/temp", "99999999999999999999999\n");
	put("sys/class/thermal/cooling_device0/type", "Processor\n");
	put("sys/class/thermal/cooling_device0/cur_state", "x\n");
	put("sys/class/thermal/cooling_device1/type", "Processor\n");
	put("sys/class/thermal/cooling_device1/cur_state", "2\n");
	put("sys/class/thermal/cooling_device2/type", "Fan\n");
	put("sys/class/thermal/cooling_device2/cur_state", "5\n");
}

static void test_bad_input(void)
{
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_telemetry_chan c;
	struct tp_chanset set;
	struct reports rep = {0};
	double v[TP_MAX_CHANNELS];
	char err[256];
	int i;

	new_root();
	if (!root[0])
		SKIP("mkdtemp failed");
	build_bad_tree();
	CHECK_INT(load_profile(&b, bad_profile), 0);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, &b, &set, err, sizeof(err)), 0);
	if (!tel)
		goto out;
	tp_telemetry_set_report(tel, count_report, &rep);
	tp_sysfs_set_pread(marker_pread);
	for (i = 0; i < 3; i++)
		tp_telemetry_sample(tel, v);
	CHECK_NEAR(value(tel, "temp.good"), 42, 1e-12);
	CHECK(reason_has(tel, "temp.nonnum", TP_CHAN_INVALID, "holds no number"));
	CHECK(reason_has(tel, "temp.empty", TP_CHAN_INVALID, "is empty"));
	CHECK(
	    reason_has(tel, "temp.hot", TP_CHAN_INVALID, "outside the plausible range [-40, 125]"));
	CHECK(reason_has(tel, "temp.isdir", TP_CHAN_STALE, "Is a directory"));
	CHECK(reason_has(tel, "temp.fifo", TP_CHAN_STALE, "Illegal seek"));
	CHECK(reason_has(tel, "temp.gated", TP_CHAN_INVALID, "power-gated"));
	CHECK(reason_has(tel, "temp.missing", TP_CHAN_STALE, "No such file"));
	CHECK(reason_has(tel, "temp.eio", TP_CHAN_STALE, "Input/output error"));
	CHECK(reason_has(tel, "temp.huge", TP_CHAN_INVALID, "out of range"));
	CHECK(reason_has(tel, "state.cool_processor", TP_CHAN_INVALID, "holds no number"));
	CHECK_NEAR(value(tel, "state.cool_processor_1"), 2, 0);
	CHECK_NEAR(value(tel, "state.cool_fan"), 5, 0);
	CHECK_NEAR(value(tel, "state.cool_max"), 2, 0); /* the fan is airflow, not a cap */
	CHECK(has_note(tel, "thermal_zone8: no readable type"));
	CHECK(has_note(tel, "rail typo: unknown source 'ina3221_iio', not read"));
	CHECK(has_note(tel, "zone absent (temp.absent) is in the profile but not under the root"));
	/* ten channels went bad, each reported once over three ticks */
	CHECK_INT(rep.n, 10);
	for (i = 0; i < set.n; i++)
		CHECK(rep.per[i] <= 1);
	CHECK(isnan(v[tp_chanset_find(&set, "temp.eio")]));

	/* the device goes away: ENODEV, stale, reported once */
	put("sys/class/thermal/thermal_zone10/temp", "ENODEV\n");
	tp_telemetry_sample(tel, v);
	tp_telemetry_sample(tel, v);
	CHECK(reason_has(tel, "temp.vanished", TP_CHAN_STALE, "No such device"));
	CHECK_INT(rep.per[tp_chanset_find(&set, "temp.vanished")], 1);

	/* repaired sensors recover, and that is reported once too */
	put("sys/class/thermal/thermal_zone1/temp", "43000\n");
	put("sys/class/thermal/thermal_zone9/temp", "41000\n");
	tp_telemetry_sample(tel, v);
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(value(tel, "temp.nonnum"), 43, 1e-12);
	CHECK_NEAR(value(tel, "temp.eio"), 41, 1e-12);
	CHECK_NEAR(v[tp_chanset_find(&set, "temp.eio")], 41, 1e-12);
	CHECK_INT(rep.per[tp_chanset_find(&set, "temp.nonnum")], 2);
	CHECK(strstr(rep.last, "valid again") != NULL);

	/* a bad reading that changes is judged anew; a good one ends it */
	put("sys/class/thermal/thermal_zone3/temp", "150000\n");
	tp_telemetry_sample(tel, v);
	CHECK(reason_has(tel, "temp.hot", TP_CHAN_INVALID, "150 C outside"));
	CHECK_INT(chan(tel, "temp.hot", &c), 0);
	CHECK_NEAR(c.raw, 150, 1e-12);
	put("sys/class/thermal/thermal_zone3/temp", "45000\n");
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(value(tel, "temp.hot"), 45, 1e-12);
	CHECK(strstr(rep.last, "temp.hot: valid again") != NULL);
	tp_sysfs_set_pread(NULL);
	tp_telemetry_close(tel);
out:
	tp_board_free(&b);
	drop_root();
}

static void test_unreadable(void)
{
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[256];
	pid_t pid;
	int status = 0;

	new_root();
	if (!root[0])
		SKIP("mkdtemp failed");
	put("sys/class/thermal/thermal_zone0/type", "locked\n");
	put_mode("sys/class/thermal/thermal_zone0/temp", "42000\n", 0);
	put("sys/class/powercap/intel-rapl:0/name", "package-0\n");
	put("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
	put_mode("sys/class/powercap/intel-rapl:0/energy_uj", "5\n", 0400);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* as root every file reads: check as an ordinary user, as RAPL users are */
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(77);
		tp_chanset_init(&set);
		if (tp_telemetry_open(&tel, root, NULL, &set, err, sizeof(err)) < 0)
			_exit(2);
		tp_telemetry_set_report(tel, quiet, NULL);
		tp_telemetry_sample(tel, v);
		CHECK(reason_has(tel, "temp.locked", TP_CHAN_STALE, "Permission denied"));
		CHECK(reason_has(tel, "energy.rapl_package_0", TP_CHAN_STALE, "Permission denied"));
		CHECK(has_note(tel, "energy_uj is readable by root only"));
		tp_telemetry_close(tel);
		fflush(stdout);
		_exit(tp_test_cur_fail ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	drop_root();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		SKIP("cannot become uid 65534 to test unreadable files");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_rapl_wrap(void)
{
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS], t1, t2;
	char err[256];

	new_root();
	if (!root[0])
		SKIP("mkdtemp failed");
	put("sys/class/powercap/intel-rapl:0/name", "package-0\n");
	put("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "1000000\n");
	put("sys/class/powercap/intel-rapl:0/energy_uj", "999000\n");
	put("sys/class/powercap/intel-rapl:0:0/name", "core\n");
	put("sys/class/powercap/intel-rapl:0:0/max_energy_range_uj", "262143\n");
	put("sys/class/powercap/intel-rapl:0:0/energy_uj", "262000\n");
	put("sys/class/powercap/intel-rapl-mmio:0/name", "package-0\n");
	put("sys/class/powercap/intel-rapl-mmio:0/max_energy_range_uj", "1000000\n");
	put("sys/class/powercap/intel-rapl-mmio:0/energy_uj", "7\n");
	CHECK_INT(load_profile(&b, "[board]\nname = r\nsource = test\n[rail.package-0]\n"
				   "source = rapl\nchannel = power.board\ntotal = 1\n"),
		  0);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, &b, &set, err, sizeof(err)), 0);
	if (!tel)
		goto out;
	tp_telemetry_set_report(tel, quiet, NULL);
	CHECK_INT(tp_telemetry_count(tel), 4); /* package as the board total, core; no mmio */
	tp_telemetry_sample(tel, v);
	t1 = tp_telemetry_last_time(tel);
	CHECK_NEAR(value(tel, "energy.board"), 0, 0);
	CHECK(isnan(value(tel, "power.board")));		     /* a rate needs two samples */
	put("sys/class/powercap/intel-rapl:0/energy_uj", "1000\n");  /* package wrapped */
	put("sys/class/powercap/intel-rapl:0:0/energy_uj", "100\n"); /* core wrapped */
	tp_telemetry_sample(tel, v);
	t2 = tp_telemetry_last_time(tel);
	CHECK_NEAR(value(tel, "energy.board"), 0.002, 1e-15);
	CHECK_NEAR(value(tel, "energy.rapl_core"), 243e-6, 1e-15);
	CHECK_NEAR(value(tel, "power.board"), 0.002 / (t2 - t1), 1e-9);
	put("sys/class/powercap/intel-rapl:0/energy_uj", "2000000\n"); /* above the range */
	tp_telemetry_sample(tel, v);
	CHECK(reason_has(tel, "energy.board", TP_CHAN_INVALID, "outside [0, 1000000]"));
	CHECK(isnan(v[tp_chanset_find(&set, "energy.board")]));
	/* too large for the read itself: no counter value to report */
	put("sys/class/powercap/intel-rapl:0/energy_uj", "99999999999999999999\n");
	tp_telemetry_sample(tel, v);
	CHECK(reason_has(tel, "energy.board", TP_CHAN_INVALID, "holds a number out of range"));
	CHECK(isnan(v[tp_chanset_find(&set, "energy.board")]));
	put("sys/class/powercap/intel-rapl:0/energy_uj", "3000\n");
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(value(tel, "energy.board"), 0.004, 1e-15); /* the bad reading changed nothing */
	tp_telemetry_close(tel);
out:
	tp_board_free(&b);
	drop_root();
}

static const char fake_vcgencmd[] =
    "#!/bin/sh\n"
    "# prints the next line of seq each run, counting runs in count\n"
    "d=$(dirname \"$0\")/../..\n"
    "n=$(cat \"$d/count\" 2>/dev/null || echo 0)\n"
    "n=$((n + 1))\n"
    "echo $n > \"$d/count\"\n"
    "[ \"$1\" = get_throttled ] || exit 1\n"
    "sed -n \"${n}p\" \"$d/seq\"\n";

static void test_rpi_sticky(void)
{
	static const char *const seq[] = {"0x0", "0x50000", "0x50000", "0x50004", "0x70000"};
	static const unsigned long raw[] = {0, 0x50000, 0x50000, 0x50004, 0x70000};
	static const unsigned long ev[] = {0, 0x5, 0, 0x4, 0x2};
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[256], text[256] = "", path[PATH_MAX + 16];
	size_t i;

	new_root();
	if (!root[0])
		SKIP("mkdtemp failed");
	for (i = 0; i < TP_ARRAY_LEN(seq); i++) {
		size_t len = strlen(text);

		snprintf(text + len, sizeof(text) - len, "throttled=%s\n", seq[i]);
	}
	put("seq", text);
	put_mode("usr/bin/vcgencmd", fake_vcgencmd, 0755);
	unsetenv("THERMPACE_VCGENCMD");
	CHECK_INT(
	    load_profile(&b, "[board]\nname = pi\nsource = test\n[vcgencmd]\ninterval_s = 0\n"), 0);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, &b, &set, err, sizeof(err)), 0);
	if (!tel)
		goto out;
	tp_telemetry_set_report(tel, quiet, NULL);
	for (i = 0; i < TP_ARRAY_LEN(seq); i++) {
		tp_telemetry_sample(tel, v);
		CHECK_NEAR(v[tp_chanset_find(&set, "state.rpi_throttled")], (double)raw[i], 0);
		CHECK_NEAR(v[tp_chanset_find(&set, "state.rpi_throttle_events")], (double)ev[i], 0);
	}
	/* the script ran as a child once per sample; past its lines it prints nothing */
	tp_telemetry_sample(tel, v);
	CHECK(reason_has(tel, "state.rpi_throttled", TP_CHAN_INVALID, "no throttled=0x"));
	tp_telemetry_close(tel);
	tp_board_free(&b);

	/* with an interval, between runs the last reading is held */
	put("count", "0\n");
	CHECK_INT(
	    load_profile(&b, "[board]\nname = pi\nsource = test\n[vcgencmd]\ninterval_s = 60\n"),
	    0);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, &b, &set, err, sizeof(err)), 0);
	if (!tel)
		goto out;
	tp_telemetry_set_report(tel, quiet, NULL);
	tp_telemetry_sample(tel, v);
	tp_frame_clear(v, set.n);
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(v[tp_chanset_find(&set, "state.rpi_throttled")], 0, 0);
	snprintf(path, sizeof(path), "%s/count", root);
	CHECK_INT(tp_read_text(path, text, sizeof(text)), 1);
	CHECK_STR(text, "1");
	tp_telemetry_close(tel);

	/* $THERMPACE_VCGENCMD names another program */
	snprintf(path, sizeof(path), "%s/other", root);
	put_mode("other", "#!/bin/sh\necho throttled=0x8\n", 0755);
	setenv("THERMPACE_VCGENCMD", path, 1);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, &b, &set, err, sizeof(err)), 0);
	unsetenv("THERMPACE_VCGENCMD");
	if (!tel)
		goto out;
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(value(tel, "state.rpi_throttled"), 8, 0);
	CHECK_NEAR(value(tel, "state.rpi_throttle_events"), 8, 0);
	tp_telemetry_close(tel);
out:
	tp_board_free(&b);
	drop_root();
}

static void test_rpi5_pmic(void)
{
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[256];

	unsetenv("THERMPACE_VCGENCMD");
	CHECK_INT(tp_board_load(&b, "rpi5"), 0);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, "fixtures/sysfs/rpi5", &b, &set, err, sizeof(err)), 0);
	if (tel) {
		tp_telemetry_set_report(tel, quiet, NULL);
		tp_telemetry_sample(tel, v);
		/* the board total is the sum of V·I over the PMIC's rails, VDD_CORE one of them */
		CHECK_NEAR(value(tel, "power.board"), 3.330485, 1e-9);
		CHECK_NEAR(value(tel, "power.core"), 0.87 * 2.0, 1e-12);
		CHECK_NEAR(value(tel, "state.rpi_throttled"), 0, 0);
		CHECK_NEAR(value(tel, "energy.board"), 0, 0);
		/* outside a mount namespace the fixture's hwmon cannot reach libsensors */
		CHECK(has_note(tel, "libsensors reads /sys/class/hwmon only"));
		tp_telemetry_close(tel);
	}
	tp_board_free(&b);
}

static void test_x86_fixture(void)
{
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	struct tp_telemetry_chan c;
	double v[TP_MAX_CHANNELS];
	char err[256];

	CHECK_INT(tp_board_load(&b, "x86-generic"), 0);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, "fixtures/sysfs/x86-generic", &b, &set, err, sizeof(err)),
		  0);
	if (tel) {
		tp_telemetry_set_report(tel, quiet, NULL);
		tp_telemetry_sample(tel, v);
		CHECK_NEAR(value(tel, "state.cool_processor"), 0, 0);
		CHECK_NEAR(value(tel, "state.cool_processor_1"), 0, 0);
		CHECK_NEAR(value(tel, "state.x86_throttle"), 6, 0);
		CHECK_NEAR(value(tel, "freq.cpu_max"), 4.2e9, 0);
		CHECK_INT(chan(tel, "energy.board", &c), 0);
		CHECK_STR(c.source, "rapl");
		CHECK_INT(chan(tel, "power.board", &c), 0);
		CHECK(c.status == TP_CHAN_PENDING);
		tp_telemetry_close(tel);
	}
	tp_board_free(&b);
}

static void test_set_full(void)
{
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	char err[256] = "", name[32];
	int i;

	tp_chanset_init(&set);
	for (i = 0; i < TP_MAX_CHANNELS - 5; i++) {
		snprintf(name, sizeof(name), "util.x%d", i);
		tp_chanset_add(&set, name);
	}
	CHECK_INT(
	    tp_telemetry_open(&tel, "fixtures/sysfs/jetson-nano", NULL, &set, err, sizeof(err)),
	    -ENOSPC);
	CHECK(tel == NULL);
	CHECK(strstr(err, "256") != NULL);
	CHECK_INT(tp_telemetry_open(&tel, "fixtures/sysfs/none", NULL, &set, err, sizeof(err)),
		  -ENOENT);
	CHECK(strstr(err, "cannot open root 'fixtures/sysfs/none'") != NULL);
}

/* Every board profile with a fixture tree (boards/NAME.ini, fixtures/sysfs/NAME/) detects as NAME.
 */
static void detect_each_fixture(void)
{
	char dir[PATH_MAX], board[PATH_MAX], name[64], why[640];
	struct stat st;
	glob_t g;
	size_t i;
	int tested = 0;

	CHECK_INT(glob("boards/*.ini", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		size_t len = strlen(base) - strlen(".ini");

		snprintf(board, sizeof(board), "%.*s", (int)len, base);
		snprintf(dir, sizeof(dir), "fixtures/sysfs/%s", board);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue; /* a profile without a fixture tree (sim) */
		name[0] = '\0';
		CHECK_INT(tp_board_detect(dir, name, sizeof(name), why, sizeof(why)), 0);
		CHECK_STR(name, board);
		tested++;
	}
	globfree(&g);
	CHECK(tested > 0);
}

static void test_detect(void)
{
	char name[64], why[640];

	detect_each_fixture();
	new_root();
	if (!root[0])
		return;
	CHECK_INT(tp_board_detect(root, name, sizeof(name), why, sizeof(why)), -ENOENT);
	/* the longest match wins: "Jetson AGX Orin" over a shorter generic value */
	put("proc/device-tree/model", "NVIDIA Jetson AGX Orin Developer Kit");
	CHECK_INT(tp_board_detect(root, name, sizeof(name), why, sizeof(why)), 0);
	CHECK_STR(name, "jetson-agx-orin");
	put("proc/device-tree/model", "Some Board");
	put("proc/device-tree/compatible", "vendor,board\0brcm,bcm2712\0");
	/* the NUL separators of compatible count as blanks */
	{
		char path[PATH_MAX + 64];
		FILE *f;

		snprintf(path, sizeof(path), "%s/proc/device-tree/compatible", root);
		f = fopen(path, "w");
		if (f) {
			fwrite("vendor,board\0brcm,bcm2712\0", 1, 26, f);
			fclose(f);
		}
	}
	CHECK_INT(tp_board_detect(root, name, sizeof(name), why, sizeof(why)), 0);
	CHECK_STR(name, "rpi5");
	CHECK(strstr(why, "'vendor,board brcm,bcm2712' contains 'brcm,bcm2712'") != NULL);
	drop_root();
}

static void test_profiles_load(void)
{
	struct dirent **list = NULL;
	int n = scandir("boards", &list, NULL, alphasort), i, count = 0;

	CHECK(n > 0);
	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);
		char path[PATH_MAX];
		struct tp_board b;

		if (len > 4 && strcmp(list[i]->d_name + len - 4, ".ini") == 0) {
			snprintf(path, sizeof(path), "boards/%s", list[i]->d_name);
			if (tp_board_load(&b, path) != 0) {
				printf("#   %s: %s\n", path, b.err);
				CHECK(0);
			} else {
				CHECK(b.source[0] != '\0');
				count++;
			}
			tp_board_free(&b);
		}
		free(list[i]);
	}
	free(list);
	CHECK(count >= 8);
}

/* ---- libsensors, for real, in a private mount namespace ---- */

static int bind_class(const char *fixture)
{
	char src[PATH_MAX], abs[PATH_MAX];

	snprintf(src, sizeof(src), "fixtures/sysfs/%s/sys/class", fixture);
	if (!realpath(src, abs))
		return -1;
	return mount(abs, "/sys/class", NULL, MS_BIND, NULL);
}

static void ns_checks(const char *fixture)
{
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	struct tp_telemetry_chan c;
	double v[TP_MAX_CHANNELS];
	char err[256], dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "fixtures/sysfs/%s", fixture);
	if (tp_board_load(&b, fixture) < 0) {
		CHECK(0);
		return;
	}
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, dir, &b, &set, err, sizeof(err)), 0);
	if (!tel) {
		tp_board_free(&b);
		return;
	}
	tp_telemetry_set_report(tel, quiet, NULL);
	tp_telemetry_sample(tel, v);
	if (strcmp(fixture, "jetson-orin-nano") == 0) {
		/* INA3221 on hwmon: P = V·I, the profile's VDD_IN is the total */
		CHECK_NEAR(value(tel, "power.board"), 7.0, 1e-12);
		CHECK_NEAR(value(tel, "volt.board"), 5.0, 1e-12);
		CHECK_NEAR(value(tel, "curr.board"), 1.4, 1e-12);
		CHECK_NEAR(value(tel, "power.soc"), 1.4, 1e-12);
		CHECK_NEAR(value(tel, "energy.board"), 0, 0);
		CHECK_INT(chan(tel, "volt.board", &c), 0);
		CHECK_STR(c.path, "/sys/class/hwmon/hwmon0/in1_input");
		CHECK_STR(c.source, "ina3221-hwmon");
		CHECK(reason_has(tel, "temp.cv0", TP_CHAN_INVALID, "power-gated"));
	} else if (strcmp(fixture, "jetson-agx-orin") == 0) {
		/* no total monitor: the profile sums disjoint rails; NC channels are skipped */
		CHECK_NEAR(value(tel, "power.board"), 5.14 + 3.27 + 5.5 + 0.6, 1e-9);
		CHECK_NEAR(value(tel, "power.vddq_vdd2_1v8ao"), 0.6, 1e-12);
		CHECK_INT(chan(tel, "power.nc", &c), -1);
		CHECK_INT(chan(tel, "power.board", &c), 0);
		CHECK_STR(c.source, "derived");
	} else if (strcmp(fixture, "x86-generic") == 0) {
		CHECK_NEAR(value(tel, "temp.coretemp_package_id_0"), 45, 1e-12);
		CHECK_NEAR(value(tel, "temp.coretemp_core_1"), 43, 1e-12);
		CHECK_NEAR(value(tel, "temp.nvme_composite"), 38.85, 1e-12);
		/* acpitz's hwmon mirrors the thermal zone of that type: read once, there */
		CHECK_INT(chan(tel, "temp.acpitz_temp1", &c), -1);
	} else if (strcmp(fixture, "rpi5") == 0) {
		CHECK_NEAR(value(tel, "volt.rp1_adc_in1"), 0.946, 1e-12);
		CHECK_NEAR(value(tel, "temp.rp1_adc_temp1"), 34.6, 1e-12);
		CHECK_INT(chan(tel, "temp.cpu_thermal_temp1", &c), -1);
	}
	tp_telemetry_close(tel);
	tp_board_free(&b);
}

static void test_libsensors_namespace(void)
{
	static const char *const fixtures[] = {"jetson-orin-nano", "jetson-agx-orin", "x86-generic",
					       "rpi5"};
	size_t i;
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		for (i = 0; i < TP_ARRAY_LEN(fixtures); i++) {
			if (bind_class(fixtures[i]) < 0)
				_exit(77);
			ns_checks(fixtures[i]);
			if (umount("/sys/class") < 0)
				_exit(3);
		}
		fflush(stdout);
		_exit(tp_test_cur_fail ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		CHECK(0);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		SKIP("unshare -m or the bind mount over /sys/class is refused here");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * An hwmon energy counter that goes back (a driver reload, a 40-bit INA238
 * accumulator wrapping) restarts from 0: energy.* keeps growing instead of
 * turning negative, invalid for the rest of the session. Runs in a private
 * mount namespace with a temporary hwmon tree over /sys/class.
 */
static void energy_checks(void)
{
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[256];
	int i;

	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, NULL, &set, err, sizeof(err)), 0);
	if (!tel)
		return;
	tp_telemetry_set_report(tel, quiet, NULL);
	i = tp_chanset_find(&set, "energy.meter_board");
	CHECK(i >= 0);
	if (i < 0) {
		tp_telemetry_close(tel);
		return;
	}
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(v[i], 0, 0);
	put("sys/class/hwmon/hwmon0/energy1_input", "7000000\n");
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(v[i], 2, 1e-9);
	put("sys/class/hwmon/hwmon0/energy1_input", "1500000\n"); /* restarted */
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(v[i], 3.5, 1e-9);
	put("sys/class/hwmon/hwmon0/energy1_input", "2000000\n");
	tp_telemetry_sample(tel, v);
	CHECK_NEAR(v[i], 4, 1e-9);
	tp_telemetry_close(tel);
}

static void test_hwmon_energy_restart(void)
{
	char cls[PATH_MAX + 16];
	int status = 0;
	pid_t pid;

	new_root();
	put("sys/class/hwmon/hwmon0/name", "meter\n");
	put("sys/class/hwmon/hwmon0/energy1_label", "board\n");
	put("sys/class/hwmon/hwmon0/energy1_input", "5000000\n");
	snprintf(cls, sizeof(cls), "%s/sys/class", root);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(cls, "/sys/class", NULL, MS_BIND, NULL) < 0)
			_exit(77);
		energy_checks();
		fflush(stdout);
		_exit(tp_test_cur_fail ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = -1;
	drop_root();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		SKIP("unshare -m or the bind mount over /sys/class is refused here");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A board with 100 thermal zones: all read, the last (the control zone) too. */
static void test_many_zones(void)
{
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[256], rel[128], type[32];
	int i, ntemp = 0;

	new_root();
	if (!root[0])
		SKIP("no temporary directory");
	for (i = 0; i < 100; i++) {
		snprintf(rel, sizeof(rel), "sys/class/thermal/thermal_zone%d/type", i);
		snprintf(type, sizeof(type), i == 99 ? "CPU-therm\n" : "sensor%d\n", i);
		put(rel, type);
		snprintf(rel, sizeof(rel), "sys/class/thermal/thermal_zone%d/temp", i);
		put(rel, i == 99 ? "71500\n" : "40000\n");
	}
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, NULL, &set, err, sizeof(err)), 0);
	if (tel) {
		tp_telemetry_set_report(tel, quiet, NULL);
		tp_telemetry_sample(tel, v);
		for (i = 0; i < set.n; i++)
			ntemp += strncmp(set.name[i], "temp.", 5) == 0;
		CHECK_INT(ntemp, 100);
		CHECK_NEAR(value(tel, "temp.cpu_therm"), 71.5, 1e-12);
		tp_telemetry_close(tel);
	}
	drop_root();
}

/* A sensor file that is a directory or a FIFO at start recovers once it is a file. */
static void test_recover_not_a_file(void)
{
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[256], path[PATH_MAX + 64];

	new_root();
	if (!root[0])
		SKIP("no temporary directory");
	put("sys/class/thermal/thermal_zone0/type", "CPU-therm\n");
	put("sys/class/thermal/thermal_zone1/type", "GPU-therm\n");
	snprintf(path, sizeof(path), "%s/sys/class/thermal/thermal_zone0/temp", root);
	CHECK_INT(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sys/class/thermal/thermal_zone1/temp", root);
	CHECK_INT(mkfifo(path, 0644), 0);
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, NULL, &set, err, sizeof(err)), 0);
	if (tel) {
		tp_telemetry_set_report(tel, quiet, NULL);
		tp_telemetry_sample(tel, v);
		CHECK(isnan(value(tel, "temp.cpu_therm")));
		CHECK(isnan(value(tel, "temp.gpu_therm")));
		snprintf(path, sizeof(path), "%s/sys/class/thermal/thermal_zone0/temp", root);
		rmdir(path);
		put("sys/class/thermal/thermal_zone0/temp", "45000\n");
		snprintf(path, sizeof(path), "%s/sys/class/thermal/thermal_zone1/temp", root);
		unlink(path);
		put("sys/class/thermal/thermal_zone1/temp", "47000\n");
		usleep(1100 * 1000); /* the retry interval */
		tp_telemetry_sample(tel, v);
		CHECK_NEAR(value(tel, "temp.cpu_therm"), 45, 1e-12);
		CHECK_NEAR(value(tel, "temp.gpu_therm"), 47, 1e-12);
		tp_telemetry_close(tel);
	}
	drop_root();
}

/* Sensor text that is too long or not printable: kept, cut, escaped, said. */
static void test_odd_sensor_text(void)
{
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	struct tp_telemetry_chan c;
	struct tp_board b;
	double v[TP_MAX_CHANNELS];
	char err[256], longtype[5002];
	int i, found = 0;

	new_root();
	if (!root[0])
		SKIP("no temporary directory");
	memset(longtype, 'A', 5000);
	longtype[5000] = '\n';
	longtype[5001] = '\0';
	put("sys/class/thermal/thermal_zone0/type", longtype);
	put("sys/class/thermal/thermal_zone0/temp", "36000\n");
	put("sys/class/thermal/thermal_zone1/type", "CPU\nthe\x1b[31mrm\n");
	put("sys/class/thermal/thermal_zone1/temp", "37000\n");
	tp_chanset_init(&set);
	CHECK_INT(tp_telemetry_open(&tel, root, NULL, &set, err, sizeof(err)), 0);
	if (tel) {
		tp_telemetry_set_report(tel, quiet, NULL);
		tp_telemetry_sample(tel, v);
		CHECK(has_note(tel, "thermal_zone0: a type of 5000 characters, its first 63 kept"));
		for (i = 0; i < tp_telemetry_count(tel); i++) {
			tp_telemetry_chan(tel, i, &c);
			if (strncmp(c.name, "temp.aaaa", 9) == 0) {
				found = 1;
				CHECK_NEAR(c.value, 36, 1e-12);
			}
			/* every detail is one printable line */
			CHECK(strchr(c.detail, '\n') == NULL && strchr(c.detail, '\x1b') == NULL);
		}
		CHECK(found);
		CHECK_INT(chan(tel, "temp.cpu_the_31mrm", &c), 0);
		CHECK(strstr(c.detail, "zone CPU\\x0athe\\x1b[31mrm") != NULL);
		tp_telemetry_close(tel);
	}
	/* a profile channel that is no channel name is refused at load, naming the key */
	CHECK_INT(load_profile(&b, "[board]\nname = x\nsource = test\n"
				   "[zone.CPU-therm]\nchannel = temp.../../x\nrole = die\n"),
		  -EINVAL);
	CHECK(strstr(b.err, "[zone.CPU-therm] channel: must be temp.NAME") != NULL);
	tp_board_free(&b);
	drop_root();
}

int main(void)
{
	RUN(test_nano_fixture);
	RUN(test_no_profile);
	RUN(test_bad_input);
	RUN(test_unreadable);
	RUN(test_rapl_wrap);
	RUN(test_rpi_sticky);
	RUN(test_rpi5_pmic);
	RUN(test_x86_fixture);
	RUN(test_set_full);
	RUN(test_detect);
	RUN(test_profiles_load);
	RUN(test_libsensors_namespace);
	RUN(test_hwmon_energy_restart);
	RUN(test_many_zones);
	RUN(test_recover_not_a_file);
	RUN(test_odd_sensor_text);
	return test_done();
}
