/*
 * thermpace probe [--root DIR] [--board NAME]: what the board offers. The
 * board detected and why, every channel with its value, unit and source
 * file, the channels judged invalid and why, notes on sources skipped, and
 * the actuators with the privilege each lacks. One sample is taken; a rate
 * (RAPL power) shows as pending. Output is stable for a fixture tree, so
 * fixtures/sysfs/BOARD.probe.stdout files are its golden tests. The energy
 * sources (a power_supply battery, a UPS through --nut) follow when there
 * are some. With --json the same as one JSON object on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pace/actuator.h"
#include "board.h"
#include "power/power_nut.h"
#include "power/power_source.h"
#include "commands.h"
#include "telemetry/telemetry.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: thermpace probe [--root DIR] [--board NAME] [--nut UPS@HOST[:PORT]]\n"
		   "                       [--battery NAME] [--solar-supply NAME] [--json]\n\n"
		   "Shows the board detected and why, every telemetry channel found (value,\n"
		   "unit, source file), the channels judged invalid and why, and the\n"
		   "actuators with the privilege each one lacks.\n\n"
		   "  --root DIR     read sysfs and procfs under DIR instead of / (fixture trees)\n"
		   "  --board NAME   use this board profile (boards/NAME.ini or a path) instead\n"
		   "                 of detecting it\n"
		   "  --nut UPS@HOST[:PORT]  also read this UPS through Network UPS Tools (upsd)\n"
		   "  --battery NAME the power_supply battery to show (default: the first)\n"
		   "  --solar-supply NAME  the power_supply the panel feeds, shown as solar.power\n"
		   "                 (and not counted as the mains)\n"
		   "  --json         the same as one JSON object (board, root, channels,\n"
		   "                 invalid channels, notes, actuators, energy)\n"
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
/* The actuators as the daemon itself would choose them (src/pace/actuator.c). */
static void print_actuators(const char *root, const struct tp_board *b)
{
	struct tp_act_probe pr[TP_ACT_NKINDS];
	int i, n;

	printf("\nactuators");
	if (b)
		printf(" (the profile allows: %s)", b->actuators);
	printf(":\n");
	n = tp_actuator_probe(root, b, pr, (int)TP_ARRAY_LEN(pr));
	for (i = 0; i < n; i++) {
		const char *state = !pr[i].allowed ? "not used"
				    : pr[i].usable ? "usable"
						   : "not usable";

		printf("  %-8s %-11s ", tp_act_kind_name(pr[i].kind), state);
		if (pr[i].target[0])
			printf("%s%s", pr[i].target, pr[i].lacks[0] ? ": " : "");
		if (pr[i].lacks[0])
			printf("%s%s", pr[i].allowed ? "lacks " : "", pr[i].lacks);
		printf("\n");
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

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_board(const struct tp_board *b, const char *why)
{
	json_t *o;

	if (!b)
		return json_pack("{s:n, s:s}", "name", "why", why);
	o = json_pack("{s:s, s:s, s:s}", "name", b->name, "description", b->description, "why",
		      why);
	json_object_set_new(o, "control_zone",
			    b->control_zone[0] ? json_string(b->control_zone) : json_null());
	json_object_set_new(o, "ceiling_c", num_or_null(b->ceiling_c));
	json_object_set_new(o, "set_point_c", num_or_null(b->ceiling_c - b->margin_c));
	json_object_set_new(o, "trip_c", num_or_null(b->trip_c));
	json_object_set_new(o, "ambient_limit_c", num_or_null(b->ambient_limit_c));
	return o;
}

static json_t *json_channels(const struct tp_telemetry *tel)
{
	static const char *const status[] = {"ok", "invalid", "unreadable", "pending"};
	struct tp_telemetry_chan c;
	json_t *a = json_array(), *o;
	int i, n = tp_telemetry_count(tel);

	for (i = 0; i < n; i++) {
		int bad;

		tp_telemetry_chan(tel, i, &c);
		bad = c.status == TP_CHAN_INVALID || c.status == TP_CHAN_STALE;
		o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", c.name, "unit", c.unit, "source",
			      c.source, "path", c.path, "status",
			      (unsigned)c.status < TP_ARRAY_LEN(status) ? status[c.status] : "?");
		json_object_set_new(o, "value", num_or_null(bad ? NAN : c.value));
		if (bad)
			json_object_set_new(o, "raw", num_or_null(c.raw));
		json_object_set_new(o, "detail", c.detail[0] ? json_string(c.detail) : json_null());
		json_object_set_new(o, "reason",
				    c.status != TP_CHAN_OK && c.reason[0] ? json_string(c.reason)
									  : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_actuators(const char *root, const struct tp_board *b)
{
	struct tp_act_probe pr[TP_ACT_NKINDS];
	json_t *a = json_array();
	int i, n = tp_actuator_probe(root, b, pr, (int)TP_ARRAY_LEN(pr));

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:b, s:b, s:s, s:s}", "kind",
						   tp_act_kind_name(pr[i].kind), "allowed",
						   pr[i].allowed, "usable", pr[i].usable, "target",
						   pr[i].target, "lacks", pr[i].lacks));
	return a;
}

/* ---- energy sources ---- */

#define PROBE_SOURCES 3

/* The fields of a reading as channels: name, unit, scale. */
static const struct {
	const char *name, *unit;
	size_t off;
	double scale;
} energy_fields[] = {
    {"battery.soc", "%", offsetof(struct power_reading, soc), 100.0},
    {"battery.power", "W", offsetof(struct power_reading, power_w), 1.0},
    {"battery.voltage", "V", offsetof(struct power_reading, voltage_v), 1.0},
    {"battery.current", "A", offsetof(struct power_reading, current_a), 1.0},
    {"battery.capacity_wh", "Wh", offsetof(struct power_reading, capacity_wh), 1.0},
    {"battery.runtime_s", "s", offsetof(struct power_reading, runtime_s), 1.0},
    {"battery.load_w", "W", offsetof(struct power_reading, load_w), 1.0},
    {"battery.input_w", "W", offsetof(struct power_reading, input_w), 1.0},
    {"solar.power", "W", offsetof(struct power_reading, solar_w), 1.0},
};

static double energy_field(const struct power_reading *r, size_t i)
{
	return *(const double *)(const void *)((const char *)r + energy_fields[i].off) *
	       energy_fields[i].scale;
}

/* The sources opened into src (the count), or a negative errno after a message. */
static int open_energy(const char *root, const char *battery, const char *nut, const char *solar,
		       struct power_source *src)
{
	char err[512];
	int n = 0, ret;

	if (nut) {
		ret = power_nut_open(&src[n], nut, err, sizeof(err));
		if (ret < 0) {
			tp_err("probe: %s", err);
			return ret;
		}
		n++;
	}
	ret = power_source_supply_open(&src[n], root, battery, solar);
	if (ret == 0)
		n++;
	else if (battery) {
		tp_err("probe: no battery '%s' under '%s': %s", battery, root, strerror(-ret));
		goto fail;
	}
	ret = solar ? power_source_solar_open(&src[n], root, solar) : 1;
	if (ret == 0)
		n++;
	else if (ret < 0) {
		tp_err("probe: no solar supply '%s' under '%s': %s", solar, root, strerror(-ret));
		goto fail;
	}
	return n;
fail:
	while (n > 0)
		power_source_close(&src[--n]);
	return ret;
}

static void print_energy(struct power_source *src, int n)
{
	struct power_reading r;
	size_t i;
	int k;

	for (k = 0; k < n; k++) {
		printf("%senergy source %s:\n", k ? "" : "\n", src[k].name);
		if (power_source_read(&src[k], &r) < 0) {
			printf("  unreadable: %s\n", src[k].why);
			continue;
		}
		for (i = 0; i < TP_ARRAY_LEN(energy_fields); i++)
			if (!isnan(energy_field(&r, i)))
				printf("  %-22s %10.4g %s\n", energy_fields[i].name,
				       energy_field(&r, i), energy_fields[i].unit);
		printf("  %-22s %10s\n", "mains",
		       isnan(r.grid)  ? "unknown"
		       : r.grid > 0.5 ? "yes"
				      : "no");
	}
}

static json_t *json_energy(struct power_source *src, int n)
{
	struct power_reading r;
	json_t *a = json_array(), *o, *ch;
	size_t i;
	int k;

	for (k = 0; k < n; k++) {
		o = json_pack("{s:s}", "source", src[k].name);
		if (power_source_read(&src[k], &r) < 0) {
			json_object_set_new(o, "readable", json_false());
			json_array_append_new(a, o);
			continue;
		}
		ch = json_object();
		for (i = 0; i < TP_ARRAY_LEN(energy_fields); i++)
			json_object_set_new(ch, energy_fields[i].name,
					    num_or_null(energy_field(&r, i)));
		json_object_set_new(o, "readable", json_true());
		json_object_set_new(o, "channels", ch);
		json_object_set_new(o, "mains",
				    isnan(r.grid) ? json_null() : json_boolean(r.grid > 0.5));
		json_array_append_new(a, o);
	}
	return a;
}

static int print_json(const struct tp_telemetry *tel, const struct tp_board *b, const char *why,
		      const char *root, struct power_source *src, int nsrc)
{
	json_t *o = json_object(), *notes = json_array();
	const char *note;
	int i, ret;

	json_object_set_new(o, "board", json_board(b, why));
	json_object_set_new(o, "root", json_string(root));
	json_object_set_new(o, "channels", json_channels(tel));
	for (i = 0; (note = tp_telemetry_note(tel, i)) != NULL; i++)
		json_array_append_new(notes, json_string(note));
	json_object_set_new(o, "notes", notes);
	json_object_set_new(o, "actuators", json_actuators(root, b));
	if (nsrc > 0)
		json_object_set_new(o, "energy", json_energy(src, nsrc));
	ret = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (ret == 0)
		putchar('\n');
	return ret;
}

/*
 * The board named or detected into b: 1 loaded, 0 none matched (why says
 * so), or a negative errno after a message (-ENOENT: the name is unknown).
 */
static int load_board(const char *root, const char *board, struct tp_board *b, char *why, size_t n)
{
	char name[TP_INI_NAME_MAX];
	int ret;

	memset(b, 0, sizeof(*b));
	if (board) {
		ret = tp_board_load(b, board);
		if (ret < 0) {
			tp_err("probe: %s", b->err);
			tp_board_free(b);
			return ret == -ENOENT ? -ENOENT : -EINVAL;
		}
		snprintf(why, n, "chosen with --board");
		return 1;
	}
	if (tp_board_detect(root, name, sizeof(name), why, n) != 0) {
		snprintf(why, n, "no profile matched the device-tree model or DMI; use --board");
		return 0;
	}
	ret = tp_board_load(b, name);
	if (ret < 0) {
		tp_err("probe: board '%s' detected but its profile fails: %s", name, b->err);
		tp_board_free(b);
		return -EINVAL;
	}
	return 1;
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"board", required_argument, NULL, 'b'},
	    {"json", no_argument, NULL, 'j'},
	    {"nut", required_argument, NULL, 'n'},
	    {"battery", required_argument, NULL, 'B'},
	    {"solar-supply", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *root = "/", *board = NULL, *nut = NULL, *battery = NULL, *solar = NULL;
	struct power_source src[PROBE_SOURCES];
	int nsrc = 0;
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	char why[640], err[512];
	double v[TP_MAX_CHANNELS];
	int c, ret, have_board = 0, status = TP_EXIT_OK, i, json = 0;
	const char *note;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'b':
			board = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'n':
			nut = optarg;
			break;
		case 'B':
			battery = optarg;
			break;
		case 's':
			solar = optarg;
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err_option("probe", c, argv);
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
	ret = load_board(root, board, &b, why, sizeof(why));
	if (ret < 0)
		return ret == -ENOENT ? TP_EXIT_USAGE : TP_EXIT_FAILURE;
	have_board = ret == 1;
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
	nsrc = open_energy(root, battery, nut, solar, src);
	if (nsrc < 0) {
		status = TP_EXIT_FAILURE;
		nsrc = 0;
		goto out;
	}

	if (json) {
		if (print_json(tel, have_board ? &b : NULL, why, root, src, nsrc) < 0)
			status = TP_EXIT_FAILURE;
		goto flush;
	}
	print_board(have_board ? &b : NULL, why, root);
	print_channels(tel, 0);
	print_channels(tel, 1);
	for (i = 0; (note = tp_telemetry_note(tel, i)) != NULL; i++) {
		if (i == 0)
			printf("\nnotes:\n");
		printf("  %s\n", note);
	}
	print_actuators(root, have_board ? &b : NULL);
	print_energy(src, nsrc);
flush:
	if (fflush(stdout) == EOF) {
		tp_err("probe: cannot write the output: %s", strerror(errno));
		status = TP_EXIT_FAILURE;
	}
out:
	while (nsrc > 0)
		power_source_close(&src[--nsrc]);
	tp_telemetry_close(tel);
	if (have_board)
		tp_board_free(&b);
	return status;
}
