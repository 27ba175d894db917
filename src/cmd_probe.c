/*
 * thermpace probe [--root DIR] [--board NAME]: what the board offers. The
 * board detected and why, every channel with its value, unit and source
 * file, the channels judged invalid and why, notes on sources skipped, and
 * the actuators with the privilege each lacks. One sample is taken; a rate
 * (RAPL power) shows as pending. Output is stable for a fixture tree, so
 * fixtures/sysfs/BOARD.probe.stdout files are its golden tests.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "commands.h"
#include "telemetry.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: thermpace probe [--root DIR] [--board NAME]\n\n"
		   "Shows the board detected and why, every telemetry channel found (value,\n"
		   "unit, source file), the channels judged invalid and why, and the\n"
		   "actuators with the privilege each one lacks.\n\n"
		   "  --root DIR     read sysfs and procfs under DIR instead of / (fixture trees)\n"
		   "  --board NAME   use this board profile (boards/NAME.ini or a path) instead\n"
		   "                 of detecting it\n"
		   "  -h, --help     this text\n");
}

static void quiet(void *ctx, int index, const char *msg)
{
	(void)ctx;
	(void)index;
	(void)msg;
}

static void print_value(const struct tp_telemetry_chan *c, double v, char *out, size_t n)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.10g %s", v, c->unit);
}

static int print_channels(const struct tp_telemetry *tel, int bad)
{
	struct tp_telemetry_chan c;
	char val[64];
	int i, n = tp_telemetry_count(tel), count = 0;

	for (i = 0; i < n; i++) {
		int is_bad;

		tp_telemetry_chan(tel, i, &c);
		is_bad = c.status == TP_CHAN_INVALID || c.status == TP_CHAN_STALE;
		count += is_bad == bad;
	}
	if (bad)
		printf("\ninvalid channels (%d):\n", count);
	else
		printf("\nchannels (%d):\n", count);
	for (i = 0; i < n; i++) {
		int is_bad;

		tp_telemetry_chan(tel, i, &c);
		is_bad = c.status == TP_CHAN_INVALID || c.status == TP_CHAN_STALE;
		if (is_bad != bad)
			continue;
		print_value(&c, bad ? c.raw : c.value, val, sizeof(val));
		printf("  %-31s %15s  %-13s %s\n", c.name, val, c.source, c.path);
		if (c.detail[0])
			printf("      %s\n", c.detail);
		if (bad)
			printf("      %s: %s\n",
			       c.status == TP_CHAN_STALE ? "unreadable" : "invalid", c.reason);
		else if (c.status == TP_CHAN_PENDING)
			printf("      pending: %s\n", c.reason);
	}
	return count;
}

/* "" when path can be written by this process, else why not (into why[n]). */
static int check_writable(const char *root, const char *rel, char *why, size_t n)
{
	char path[4096];
	struct stat st;

	if (tp_path_join(path, sizeof(path), root, rel) < 0 || stat(path, &st) < 0) {
		snprintf(why, n, "/%s: absent", rel);
		return 0;
	}
	if (S_ISREG(st.st_mode) && !(st.st_mode & 0222)) {
		snprintf(why, n, "/%s: read-only (mode %04o)", rel, (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if (access(path, W_OK) < 0) {
		if (errno == EROFS)
			snprintf(why, n, "/%s: read-only file system", rel);
		else
			snprintf(why, n,
				 "/%s: not writable by uid %u (owner uid %u, mode %04o): needs %s",
				 rel, (unsigned)geteuid(), (unsigned)st.st_uid,
				 (unsigned)(st.st_mode & 07777),
				 st.st_uid == 0 ? "root" : "the owner or root");
		return 0;
	}
	snprintf(why, n, "/%s writable", rel);
	return 1;
}

static int file_has_word(const char *root, const char *rel, const char *word)
{
	char path[4096], text[512], *save = NULL, *tok;

	if (tp_path_join(path, sizeof(path), root, rel) < 0 ||
	    tp_read_text(path, text, sizeof(text)) < 0)
		return 0;
	for (tok = strtok_r(text, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		if (strcmp(tok, word) == 0)
			return 1;
	return 0;
}

static int exists(const char *root, const char *rel)
{
	char path[4096];

	return tp_path_join(path, sizeof(path), root, rel) == 0 && access(path, F_OK) == 0;
}

static int check_cgroup(const char *root, char *why, size_t n)
{
	char w[600];

	if (exists(root, "sys/fs/cgroup/cgroup.controllers")) {
		if (!file_has_word(root, "sys/fs/cgroup/cgroup.controllers", "cpu")) {
			snprintf(why, n, "cgroup v2 without the cpu controller (cpu.max absent)");
			return 0;
		}
		if (!check_writable(root, "sys/fs/cgroup", w, sizeof(w))) {
			snprintf(why, n, "cgroup v2 (cpu.max): %s", w);
			return 0;
		}
		snprintf(why, n, "cgroup v2 (cpu.max): %s, a group can be created", w);
		return 1;
	}
	if (exists(root, "sys/fs/cgroup/cpu/cpu.cfs_quota_us")) {
		if (!check_writable(root, "sys/fs/cgroup/cpu", w, sizeof(w))) {
			snprintf(why, n, "cgroup v1 cpu (cpu.cfs_quota_us): %s", w);
			return 0;
		}
		snprintf(why, n, "cgroup v1 cpu (cpu.cfs_quota_us): %s, a group can be created", w);
		return 1;
	}
	snprintf(why, n, "no cgroup cpu controller (neither v2 cpu.max nor v1 cpu.cfs_quota_us)");
	return 0;
}

/* The first cpufreq policy the profile names (policy0 without one). */
static const char *cpufreq_policy(const struct tp_board *b)
{
	int i;

	for (i = 0; b && i < b->nclocks; i++)
		if (strcmp(b->clocks[i].kind, "cpufreq") == 0) {
			const char *p = tp_ini_get(&b->ini, b->clocks[i].section, "policy");

			return p ? p : "policy0";
		}
	return "policy0";
}

static int check_cpufreq(const char *root, const struct tp_board *b, char *why, size_t n)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpufreq/%s/scaling_max_freq",
		 cpufreq_policy(b));
	return check_writable(root, rel, why, n);
}

static int check_devfreq(const char *root, const struct tp_board *b, char *why, size_t n)
{
	char rel[256];
	int i, k;

	for (i = 0; b && i < b->nclocks; i++) {
		if (strcmp(b->clocks[i].kind, "devfreq") != 0)
			continue;
		for (k = 0; k < b->ini.n; k++) {
			const struct tp_ini_entry *e = &b->ini.e[k];

			if (strcmp(e->section, b->clocks[i].section) != 0 ||
			    strcmp(e->key, "device") != 0)
				continue;
			snprintf(rel, sizeof(rel), "sys/class/devfreq/%s", e->value);
			if (!exists(root, rel))
				continue;
			snprintf(rel, sizeof(rel), "sys/class/devfreq/%s/max_freq", e->value);
			return check_writable(root, rel, why, n);
		}
	}
	snprintf(why, n, "no devfreq clock (GPU) found for this board");
	return 0;
}

static void print_actuators(const char *root, const struct tp_board *b)
{
	static const char *const kinds[] = {"socket", "signal", "cgroup", "cpufreq", "devfreq"};
	char why[1024];
	size_t i;

	printf("\nactuators");
	if (b)
		printf(" (the profile allows: %s)", b->actuators);
	printf(":\n");
	for (i = 0; i < TP_ARRAY_LEN(kinds); i++) {
		const char *k = kinds[i];
		int ok;

		if (strcmp(k, "socket") == 0) {
			ok = 1;
			snprintf(why, sizeof(why),
				 "always: token pacing through the client socket");
		} else if (strcmp(k, "signal") == 0) {
			ok = 1;
			snprintf(why, sizeof(why),
				 "always: SIGSTOP/SIGCONT to processes of the same user "
				 "(other users' need root)");
		} else if (strcmp(k, "cgroup") == 0) {
			ok = check_cgroup(root, why, sizeof(why));
		} else if (strcmp(k, "cpufreq") == 0) {
			ok = check_cpufreq(root, b, why, sizeof(why));
		} else {
			ok = check_devfreq(root, b, why, sizeof(why));
		}
		if (b && !tp_board_allows(b, k))
			printf("  %-8s %-11s %s (not in the profile's allow list)\n", k, "not used",
			       why);
		else
			printf("  %-8s %-11s %s\n", k, ok ? "usable" : "not usable", why);
	}
}

static void print_board(const struct tp_board *b, const char *why, const char *root)
{
	if (b) {
		printf("board: %s (%s)\n", b->name, b->description);
		printf("  why: %s\n", why);
		if (b->control_zone[0])
			printf("  ceiling: zone %s under %g C (set point %g C), kernel trip %g C",
			       b->control_zone, b->ceiling_c, b->ceiling_c - b->margin_c,
			       b->trip_c);
		else
			printf("  ceiling: %g C (no control zone named)", b->ceiling_c);
		if (!isnan(b->ambient_limit_c))
			printf(", ambient limit %g C", b->ambient_limit_c);
		printf("\n");
	} else {
		printf("board: none (%s)\n", why);
	}
	printf("root: %s\n", root);
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"board", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *root = "/", *board = NULL;
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	char name[TP_INI_NAME_MAX], why[640], err[512];
	double v[TP_MAX_CHANNELS];
	int c, ret, have_board = 0, status = TP_EXIT_OK, i;
	const char *note;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'b':
			board = optarg;
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err("probe: unknown or incomplete option '%s' (see 'thermpace probe "
			       "--help')",
			       argv[optind - 1]);
			return TP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tp_err("probe: unexpected argument '%s'", argv[optind]);
		return TP_EXIT_USAGE;
	}
	if (access(root, F_OK) < 0) {
		tp_err("probe: cannot open root '%s': %s", root, strerror(errno));
		return TP_EXIT_FAILURE;
	}
	memset(&b, 0, sizeof(b));
	if (board) {
		ret = tp_board_load(&b, board);
		if (ret < 0) {
			tp_err("probe: %s", b.err);
			tp_board_free(&b);
			return ret == -ENOENT ? TP_EXIT_USAGE : TP_EXIT_FAILURE;
		}
		have_board = 1;
		snprintf(why, sizeof(why), "chosen with --board");
	} else if (tp_board_detect(root, name, sizeof(name), why, sizeof(why)) == 0) {
		ret = tp_board_load(&b, name);
		if (ret < 0) {
			tp_err("probe: board '%s' detected but its profile fails: %s", name, b.err);
			tp_board_free(&b);
			return TP_EXIT_FAILURE;
		}
		have_board = 1;
	} else {
		snprintf(why, sizeof(why),
			 "no profile matched the device-tree model or DMI; use --board");
	}
	tp_chanset_init(&set);
	ret = tp_telemetry_open(&tel, root, have_board ? &b : NULL, &set, err, sizeof(err));
	if (ret < 0) {
		tp_err("probe: %s", err);
		status = TP_EXIT_FAILURE;
		goto out;
	}
	tp_telemetry_set_report(tel, quiet, NULL);
	tp_frame_clear(v, set.n);
	tp_telemetry_sample(tel, v);

	print_board(have_board ? &b : NULL, why, root);
	print_channels(tel, 0);
	print_channels(tel, 1);
	for (i = 0; (note = tp_telemetry_note(tel, i)) != NULL; i++) {
		if (i == 0)
			printf("\nnotes:\n");
		printf("  %s\n", note);
	}
	print_actuators(root, have_board ? &b : NULL);
	if (fflush(stdout) == EOF) {
		tp_err("probe: cannot write the output: %s", strerror(errno));
		status = TP_EXIT_FAILURE;
	}
out:
	tp_telemetry_close(tel);
	if (have_board)
		tp_board_free(&b);
	return status;
}
