#include "daemon_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "commands.h"
#include "pace/actuator.h"
#include "tcp.h"
#include "util.h"
#include "wav.h"

#ifndef THERMPACE_SYSCONFDIR
#define THERMPACE_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG THERMPACE_SYSCONFDIR "/thermpace/thermpace.ini"

static const char *const mode_name[] = {"run", "attach", "serve"};

/* Every option; the file's key is the name with '_' for '-'. */
static const struct option long_opts[] = {
    {"board", required_argument, NULL, 'b'},
    {"root", required_argument, NULL, 'r'},
    {"ceiling", required_argument, NULL, 'c'},
    {"actuator", required_argument, NULL, 'a'},
    {"controller", required_argument, NULL, 'k'},
    {"metrics", required_argument, NULL, 'm'},
    {"metrics-textfile", required_argument, NULL, 'X'},
    {"agent", required_argument, NULL, 'Q'},
    {"agent-hold", required_argument, NULL, 'Y'},
    {"events", required_argument, NULL, 'e'},
    {"llama-server", required_argument, NULL, 'l'},
    {"interval", required_argument, NULL, 'i'},
    {"runtime-dir", required_argument, NULL, 'R'},
    {"socket", required_argument, NULL, 's'},
    {"cgroup-root", required_argument, NULL, 'G'},
    {"duty-period", required_argument, NULL, 'D'},
    {"max-clients", required_argument, NULL, 'M'},
    {"fixed-rate", required_argument, NULL, 'F'},
    {"fixed-setting", required_argument, NULL, 'S'},
    {"device", required_argument, NULL, 'A'},
    {"rate", required_argument, NULL, 'H'},
    {"channel", required_argument, NULL, 'C'},
    {"model", required_argument, NULL, 'O'},
    {"battery", required_argument, NULL, 'B'},
    {"battery-wh", required_argument, NULL, 'P'},
    {"nut", required_argument, NULL, 'N'},
    {"solar-supply", required_argument, NULL, 'u'},
    {"energy-floor", required_argument, NULL, 'E'},
    {"reserve-hours", required_argument, NULL, 'V'},
    {"keep-full-days", required_argument, NULL, 'n'},
    {"spell-confidence", required_argument, NULL, 'q'},
    {"latitude", required_argument, NULL, 'L'},
    {"longitude", required_argument, NULL, 'Z'},
    {"panel-w", required_argument, NULL, 'I'},
    {"panel-tilt", required_argument, NULL, 'j'},
    {"panel-azimuth", required_argument, NULL, 'z'},
    /* [serve] from here */
    {"pid", required_argument, NULL, 'p'},
    {"cgroup", required_argument, NULL, 'g'},
    {"unit", required_argument, NULL, 'U'},
    {"session-dir", required_argument, NULL, 'W'},
    {"session-rotate", required_argument, NULL, 'T'},
    /* [run] */
    {"session", required_argument, NULL, 'w'},
    /* the command line only */
    {"config", required_argument, NULL, 'f'},
    {"check-config", no_argument, NULL, 'K'},
    {"json", no_argument, NULL, 'J'},
    {"scenario", required_argument, NULL, 'x'},
    {"speed", required_argument, NULL, 'y'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The energy budget's options, in every mode's usage. */
static void usage_energy(FILE *f)
{
	fputs("  --battery NAME|off   the power_supply battery (default: the first battery\n"
	      "                       under ROOT/sys/class/power_supply; 'off': none, no\n"
	      "                       energy budget but --nut's); with a battery or --nut\n"
	      "                       the granted rate is also held to what keeps the\n"
	      "                       charge above the floor until the next forecast\n"
	      "                       harvest (docs/energy.md)\n"
	      "  --battery-wh WH      its capacity when it does not say (default 256)\n"
	      "  --nut UPS@HOST[:PORT]  a UPS or battery through Network UPS Tools (upsd)\n"
	      "  --solar-supply NAME  the power_supply the panel feeds (a charger's USB or\n"
	      "                       Mains input): its power is the harvest, its being\n"
	      "                       online not the mains (docs/energy.md)\n"
	      "  --energy-floor F     state of charge kept, 0 to 0.95 (default 0.2)\n"
	      "  --reserve-hours H    hours of a dark spell kept above the floor (24)\n"
	      "  --keep-full-days K   the battery full at dusk and the night kept while a clear\n"
	      "                       day's harvest gives under K days of idle (dark seasons;\n"
	      "                       0: off, the default; auto: while a clear day cannot run\n"
	      "                       the board at its most and refill the battery from the\n"
	      "                       floor)\n"
	      "  --spell-confidence P carry the dark spells learned from the days seen with\n"
	      "                       probability P (0: off, the default; 0 to 0.999)\n"
	      "  --latitude DEG       the panel's site, north positive: with --longitude\n"
	      "                       the harvest is forecast (clear sky times the\n"
	      "                       cloudiness learned); without, none is counted on\n"
	      "  --longitude DEG      east positive\n"
	      "  --panel-w W          the panel's rating (default 100)\n"
	      "  --panel-tilt DEG     its tilt (default: the latitude)\n"
	      "  --panel-azimuth DEG  the direction it faces, 180 south (default: the\n"
	      "                       equator's)\n",
	      f);
}

static void usage(FILE *f, enum daemon_mode mode)
{
	if (mode == DAEMON_ATTACH)
		fprintf(f, "usage: thermpace attach (--pid N | --cgroup PATH) [OPTIONS]\n\n"
			   "Governs a process (or a cgroup) that already runs, until it ends or a\n"
			   "signal (SIGINT, SIGTERM, SIGHUP) ends thermpace; exit status 0.\n\n");
	else if (mode == DAEMON_SERVE)
		fprintf(f,
			"usage: thermpace serve [--config FILE] [OPTIONS]\n\n"
			"The daemon as a system service, without a command: telemetry, the\n"
			"governor, the pacing socket for cooperative clients, an attached target\n"
			"(--pid, --cgroup or --unit), metrics and events, until SIGTERM or SIGINT\n"
			"(what it changed is put back). SIGHUP reads the configuration again: a\n"
			"bad file keeps the one running. Tells systemd READY, STATUS and WATCHDOG\n"
			"(Type=notify). docs/service.md says more.\n\n");
	else
		fprintf(f, "usage: thermpace run [OPTIONS] -- CMD [ARGS...]\n\n"
			   "Runs CMD under the governor: its output passes through untouched, its\n"
			   "tokens are counted, its pace is set so that the board stays under its\n"
			   "ceiling. Ends with one summary line on stderr; the exit status is\n"
			   "CMD's (128 + the signal when a signal killed it).\n\n");
	fprintf(
	    f, "  --config FILE        options from FILE first (default " DEFAULT_CONFIG "\n"
	       "                       when it exists; 'none': no file); the command line wins\n"
	       "  --board B            board profile (default: detected)\n"
	       "  --root DIR           read sysfs and procfs under DIR instead of /\n"
	       "  --ceiling C          ceiling in C (default: the board's)\n"
	       "  --actuator A         auto|socket|cgroup|cpufreq|devfreq|signal (default auto:\n"
	       "                       the socket, else the first usable of cgroup, cpufreq,\n"
	       "                       signal when no client came within 5 s)\n"
	       "  --controller K       horizon|pi|stepwise|none (default horizon)\n"
	       "  --metrics ADDR:PORT  serve Prometheus /metrics there\n"
	       "  --metrics-textfile DIR  write DIR/thermpace.prom each second (atomically) for\n"
	       "                       node_exporter's textfile collector\n"
	       "  --agent ADDR:PORT    answer HAProxy's agent check there (':PORT': the\n"
	       "                       loopback): weight from headroom, drain, down\n"
	       "                       (docs/fleet.md)\n"
	       "  --agent-hold S       least seconds before the agent's answer relaxes (10)\n"
	       "  --events FILE        write events.jsonl there\n"
	       "  --llama-server URL   count tokens from a llama-server's /metrics counters\n"
	       "  --interval S         seconds between ticks (default 1)\n"
	       "  --runtime-dir DIR    state file and socket directory (default\n"
	       "                       $THERMPACE_RUNTIME_DIR, $XDG_RUNTIME_DIR/thermpace,\n"
	       "                       /run/thermpace)\n"
	       "  --socket PATH        pacing socket (default RUNTIME/pace.sock)\n"
	       "  --cgroup-root DIR    where the cgroup actuator makes its group (default the\n"
	       "                       v1 cpu hierarchy; give a delegated cgroup2 directory)\n"
	       "  --duty-period S      SIGSTOP/SIGCONT period of the signal actuator (0.5)\n"
	       "  --max-clients N      pacing socket clients at most (default 64, at most 256)\n"
	       "  --fixed-rate R       grant R tokens/s instead of the governor (measurement):\n"
	       "                       on the socket, or by a non-cooperative actuator whose\n"
	       "                       setting the rate feedback corrects\n"
	       "  --fixed-setting S    hold a non-cooperative actuator at setting S (0 to 1,\n"
	       "                       open loop; measurement)\n"
	       "  --device PCM         listen to the contact microphone on this ALSA PCM: its\n"
	       "                       one-second features join the frames as audio.* channels\n"
	       "                       (acoustic_shift and xrun events; docs/acoustics.md)\n"
	       "  --rate HZ            audio sample rate (default 48000)\n"
	       "  --channel K|mix      analyse channel K (1 = first) or the mean of all (default)\n"
	       "  --model FILE         thermal model saved by 'thermpace fit --save' (default:\n"
	       "                       STATE/BOARD.model.ini when present, STATE being\n"
	       "                       $THERMPACE_STATE_DIR or /var/lib/thermpace); with\n"
	       "                       --device the sound model is read from and kept in\n"
	       "                       STATE/BOARD.sound.ini\n");
	usage_energy(f);
	if (mode != DAEMON_RUN)
		fprintf(f, "  --pid N              the process (its group when it leads one)\n"
			   "  --cgroup PATH        the cgroup (its cpu.max or cpu.cfs_quota_us)\n");
	if (mode == DAEMON_SERVE)
		fprintf(
		    f,
		    "  --unit NAME          a systemd unit (llama-server.service): its cgroup\n"
		    "  --check-config       read the configuration and the options, say whether\n"
		    "                       they are good (exit 0) or why not (exit 2), and stop\n"
		    "  --session-dir DIR    record a session (telemetry.csv, events.jsonl) in a\n"
		    "                       new directory under DIR at each start and reload\n"
		    "  --scenario FILE      govern a simulated board (a 'thermpace sim' scenario)\n"
		    "                       instead of the one under --root: its plant runs "
		    "beside\n"
		    "                       the daemon, its score printed as JSON on stdout at "
		    "the\n"
		    "                       end (docs/fleet.md); not with --root, --board, --unit\n"
		    "                       or --cgroup\n"
		    "  --speed K            the simulated board's seconds per wall second "
		    "(default\n"
		    "                       1); --interval counts board seconds\n");
	if (mode != DAEMON_SERVE)
		fprintf(
		    f, "  --json               the closing summary as one JSON object on stderr\n");
	if (mode == DAEMON_RUN)
		fprintf(
		    f,
		    "  --session DIR        record the run as a session (telemetry.csv,\n"
		    "                       events.jsonl, manifest.ini) for replay and report\n");
	fprintf(f, "  -h, --help           this text\n\n"
		   "Tokens are counted from clients of the pacing socket (libthermpace-client),\n"
		   "from llama-completion's 'eval time = ... / N runs' line in CMD's output\n"
		   "(N + 1 tokens per call), or from --llama-server (then only from there).\n"
		   "Chat llama-cli prints rates only: not counted. docs/pacing.md says more.\n");
}

/* Where a value came from: the command line (where NULL) or FILE:LINE. */
struct from {
	enum daemon_mode mode;
	const char *where;
};

/* The long name of option code c. */
static const char *opt_name(int c)
{
	const struct option *lo;

	for (lo = long_opts; lo->name; lo++)
		if (lo->val == c)
			return lo->name;
	return "?";
}

/* An option given to a command it is not for. */
static int not_here(const struct from *x, int c, const char *cmds)
{
	if (x->where)
		tp_err("%s: %s is for %s", x->where, opt_name(c), cmds);
	else
		tp_err("%s: --%s is for %s", mode_name[x->mode], opt_name(c), cmds);
	return -EINVAL;
}

static int bad(const struct from *x, const char *opt, const char *val, const char *want)
{
	char key[32];
	size_t i;

	if (!x->where) {
		tp_err("%s: --%s wants %s, not '%s'", mode_name[x->mode], opt, want, val);
		return -EINVAL;
	}
	tp_strlcpy(key, opt, sizeof(key));
	for (i = 0; key[i]; i++)
		if (key[i] == '-')
			key[i] = '_';
	tp_err("%s: %s wants %s, not '%s'", x->where, key, want, val);
	return -EINVAL;
}

/* --device, --rate, --channel: 0, 1 when c is none of them, or -EINVAL. */
static int audio_option(const struct from *x, int c, const char *arg, struct tp_daemon_opts *o)
{
	long lv;

	switch (c) {
	case 'A':
		if (!arg[0])
			return bad(x, "device", arg, "an ALSA PCM name");
		o->audio_device = arg;
		return 0;
	case 'H':
		if (tp_parse_long(arg, &lv) < 0 || lv < 1000 || lv > 768000)
			return bad(x, "rate", arg, "Hz from 1000 to 768000");
		o->audio_rate = (unsigned)lv;
		return 0;
	case 'C':
		if (strcmp(arg, "mix") == 0)
			o->audio_channel = DSP_CHANNEL_MIX;
		else if (tp_parse_long(arg, &lv) == 0 && lv >= 1 && lv <= 256)
			o->audio_channel = (int)lv - 1;
		else
			return bad(x, "channel", arg, "a channel number from 1 or 'mix'");
		return 0;
	}
	return 1;
}

static int number(const struct from *x, const char *opt, const char *arg, double lo, double hi,
		  const char *want, double *out)
{
	double dv;

	if (tp_parse_double(arg, &dv) < 0 || dv < lo || dv > hi)
		return bad(x, opt, arg, want);
	*out = dv;
	return 0;
}

/* The options with a number or a choice for a value: 0, 1 when c is none of them, or -EINVAL. */
static int value_option(const struct from *x, int c, const char *arg, struct tp_daemon_opts *o)
{
	enum tp_act_kind k;
	long lv;

	switch (c) {
	case 'c':
		return number(x, "ceiling", arg, -50, 200, "a temperature in C", &o->ceiling_c);
	case 'a':
		if (strcmp(arg, "auto") == 0)
			o->actuator = TP_DAEMON_ACT_AUTO;
		else if (tp_act_kind_parse(arg, &k) == 0)
			o->actuator = (int)k;
		else
			return bad(x, "actuator", arg,
				   "auto, socket, cgroup, cpufreq, devfreq or signal");
		return 0;
	case 'k':
		if (tp_gov_kind_parse(arg, &o->controller) < 0)
			return bad(x, "controller", arg, "horizon, pi, stepwise or none");
		return 0;
	case 'i':
		return number(x, "interval", arg, 0.01, 60, "seconds from 0.01 to 60",
			      &o->interval_s);
	case 'D':
		return number(x, "duty-period", arg, 0.01, 60, "seconds from 0.01 to 60",
			      &o->duty_period_s);
	case 'M':
		if (tp_parse_long(arg, &lv) < 0 || lv < 1 || lv > TP_DAEMON_MAX_CLIENTS)
			return bad(x, "max-clients", arg, "a count from 1 to 256");
		o->max_clients = (int)lv;
		return 0;
	case 'p':
		if (x->mode == DAEMON_RUN)
			return not_here(x, c, "attach and serve");
		if (tp_parse_long(arg, &lv) < 0 || lv < 2 || lv > 0x3fffffff)
			return bad(x, "pid", arg, "a process id");
		o->attach_pid = (pid_t)lv;
		return 0;
	case 'T':
		if (x->mode != DAEMON_SERVE)
			return not_here(x, c, "serve");
		if (number(x, "session-rotate", arg, 0, 1e7, "seconds (0: never)",
			   &o->session_rotate_s) < 0)
			return -EINVAL;
		if (o->session_rotate_s > 0 && o->session_rotate_s < 1)
			return bad(x, "session-rotate", arg, "0 (never) or 1 s or more");
		return 0;
	case 'Y':
		return number(x, "agent-hold", arg, 0, 86400, "seconds", &o->agent_hold_s);
	case 'F':
		return number(x, "fixed-rate", arg, 0, 1e6, "tokens/s", &o->fixed_rate);
	case 'P':
		return number(x, "battery-wh", arg, 0.1, 1e7, "watt-hours", &o->energy.capacity_wh);
	case 'E':
		return number(x, "energy-floor", arg, 0, 0.95, "a fraction from 0 to 0.95",
			      &o->energy.floor);
	case 'V':
		return number(x, "reserve-hours", arg, 0, 720, "hours from 0 to 720",
			      &o->energy.reserve_h);
	case 'n':
		if (strcmp(arg, "auto") == 0) {
			o->energy.keep_full_days = POWER_BUDGET_KEEP_FULL_AUTO;
			return 0;
		}
		return number(x, "keep-full-days", arg, 0, 30, "days from 0 to 30 or auto",
			      &o->energy.keep_full_days);
	case 'q':
		return number(x, "spell-confidence", arg, 0, 0.999, "a probability from 0 to 0.999",
			      &o->energy.spell_confidence);
	case 'L':
		return number(x, "latitude", arg, -90, 90, "degrees from -90 to 90",
			      &o->energy.lat_deg);
	case 'Z':
		return number(x, "longitude", arg, -180, 180, "degrees from -180 to 180",
			      &o->energy.lon_deg);
	case 'I':
		return number(x, "panel-w", arg, 0, 1e6, "watts", &o->energy.panel_w);
	case 'j':
		return number(x, "panel-tilt", arg, 0, 90, "degrees from 0 to 90",
			      &o->energy.tilt_deg);
	case 'z':
		return number(x, "panel-azimuth", arg, 0, 360, "degrees from 0 to 360",
			      &o->energy.azimuth_deg);
	case 'S':
		return number(x, "fixed-setting", arg, 0, 1, "a fraction from 0 to 1",
			      &o->fixed_setting);
	}
	return audio_option(x, c, arg, o);
}

/* --metrics: HOST:PORT, [V6]:PORT or :PORT, port 0 to 65535 (metrics_http.h resolves it). */
static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* A listen address tp_tcp_listen takes (HOST:PORT, [V6]:PORT or :PORT). */
static int listen_ok(const char *s)
{
	char host[256], port[16];

	return tp_tcp_parse_addr(s, host, sizeof(host), port, sizeof(port)) == 0;
}

/* The options with a name or a path for a value: 0, 1 when c is none of them, or -EINVAL. */
static int path_option(const struct from *x, int c, const char *arg, struct tp_daemon_opts *o)
{
	if (!arg[0] && strchr("brmXQelRsGgUWwBN", c))
		return bad(x, opt_name(c), arg, "a name or a path");
	switch (c) {
	case 'b':
		o->board = arg;
		return 0;
	case 'r':
		o->root = arg;
		return 0;
	case 'm':
		if (!listen_ok(arg))
			return bad(x, "metrics", arg, "HOST:PORT, [V6]:PORT or :PORT");
		o->metrics = arg;
		return 0;
	case 'X':
		o->metrics_textfile = arg;
		return 0;
	case 'B':
		if (strchr(arg, '/'))
			return bad(x, "battery", arg, "a power_supply name or 'off'");
		o->energy.off = strcmp(arg, "off") == 0;
		o->energy.battery = o->energy.off ? NULL : arg;
		return 0;
	case 'N':
		if (!strchr(arg, '@') || arg[0] == '@')
			return bad(x, "nut", arg, "UPS@HOST[:PORT]");
		o->energy.nut = arg;
		return 0;
	case 'u':
		if (!arg[0] || strchr(arg, '/') || strcmp(arg, "..") == 0 || strlen(arg) >= 64)
			return bad(x, "solar-supply", arg, "a power_supply name");
		o->energy.solar_supply = arg;
		return 0;
	case 'Q':
		if (!listen_ok(arg))
			return bad(x, "agent", arg, "HOST:PORT, [V6]:PORT or :PORT");
		o->agent = arg;
		return 0;
	case 'e':
		o->events = arg;
		return 0;
	case 'l':
		if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)
			return bad(x, "llama-server", arg, "an http:// or https:// URL");
		o->llama_server = arg;
		return 0;
	case 'R':
		o->runtime_dir = arg;
		return 0;
	case 's':
		o->socket = arg;
		return 0;
	case 'G':
		o->cgroup_base = arg;
		return 0;
	case 'g':
		if (x->mode == DAEMON_RUN)
			return not_here(x, c, "attach and serve");
		o->attach_cgroup = arg;
		return 0;
	case 'U':
		if (x->mode != DAEMON_SERVE)
			return not_here(x, c, "serve");
		o->unit = arg;
		return 0;
	case 'W':
		if (x->mode != DAEMON_SERVE)
			return not_here(x, c, "serve");
		o->session_dir = arg;
		return 0;
	case 'w':
		if (x->mode != DAEMON_RUN)
			return not_here(x, c, "run");
		o->session = arg;
		return 0;
	case 'O':
		if (arg[0] && !is_file(arg))
			return bad(x, "model", arg, "a model file (thermpace fit --save)");
		o->model = arg[0] ? arg : NULL;
		return 0;
	}
	return 1;
}

static int apply(const struct from *x, int c, const char *arg, struct tp_daemon_opts *o)
{
	int ret;

	if (c == '?' || c == ':' || !arg)
		return 1;
	ret = value_option(x, c, arg, o);

	return ret == 1 ? path_option(x, c, arg, o) : ret;
}

/* The index of the option called name in long_opts[] (its end when there is none). */
static size_t opt_index(const char *name)
{
	size_t i;

	for (i = 0; long_opts[i].name && strcmp(long_opts[i].name, name) != 0; i++)
		;
	return i;
}

/* The command a section is for: a mode, -1 for [daemon] (every one), -2 unknown. */
static int section_mode(const char *section)
{
	int m;

	if (strcmp(section, "daemon") == 0)
		return -1;
	for (m = 0; m < (int)TP_ARRAY_LEN(mode_name); m++)
		if (strcmp(section, mode_name[m]) == 0)
			return m;
	return -2;
}

/* The option code of a key in a section for command m (-1: [daemon]), or 0. */
static int key_code(int m, const char *key)
{
	/* [daemon] keys up to "pid", [serve]'s to "session", [run]'s to "config" */
	size_t serve0 = opt_index("pid"), run0 = opt_index("session"), cli0 = opt_index("config");
	size_t i, j;

	for (i = 0; long_opts[i].name; i++) {
		const char *n = long_opts[i].name;

		if (i >= serve0 && !(m == DAEMON_SERVE && i < run0) &&
		    !(m == DAEMON_RUN && i >= run0 && i < cli0))
			continue;
		for (j = 0; n[j] && key[j] && (n[j] == '-' ? '_' : n[j]) == key[j]; j++)
			;
		if (!n[j] && !key[j])
			return long_opts[i].val;
	}
	return 0;
}

/*
 * One entry of the file: into o when it is [daemon]'s (pass 0) or the
 * command's own section's (pass 1); another command's is checked only.
 */
static int apply_entry(struct daemon_conf *c, const struct tp_ini_entry *e, enum daemon_mode mode,
		       int pass)
{
	char where[4200];
	int m = section_mode(e->section), code;
	struct from x = {mode, where};
	struct tp_daemon_opts scratch;

	snprintf(where, sizeof(where), "%s:%d", c->path, e->line);
	if (m == -2) {
		tp_err("%s: unknown section [%s] (daemon, run, attach, serve)", where, e->section);
		return -EINVAL;
	}
	code = key_code(m, e->key);
	if (!code) {
		tp_err("%s: unknown key '%s' in [%s]", where, e->key, e->section);
		return -EINVAL;
	}
	if ((pass == 0 && m == -1) || (pass == 1 && m == (int)mode))
		return apply(&x, code, e->value, &c->o);
	if (pass == 1 || m == (int)mode)
		return 0;
	/* another command's, on pass 0: checked, not used */
	x.mode = m < 0 ? mode : (enum daemon_mode)m;
	tp_daemon_opts_init(&scratch);
	return apply(&x, code, e->value, &scratch);
}

/* [daemon] first, then the command's own section over it, wherever they are in the file. */
static int apply_file(struct daemon_conf *c, enum daemon_mode mode)
{
	int pass, i, ret;

	ret = tp_ini_load(&c->ini, c->path);
	if (ret < 0) {
		tp_err("%s", c->ini.err);
		return -EINVAL;
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < c->ini.n; i++) {
			ret = apply_entry(c, &c->ini.e[i], mode, pass);
			if (ret < 0)
				return ret;
		}
	return 0;
}

/* serve --scenario FILE, --speed K */
static int plant_option(struct daemon_conf *c, int ch, const char *arg)
{
	if (ch == 'x') {
		if (!is_file(arg)) {
			tp_err("serve: --scenario wants a scenario file, not '%s'", arg);
			return -EINVAL;
		}
		c->scenario = arg;
		return 0;
	}
	if (tp_parse_double(arg, &c->speed) < 0 || !(c->speed > 0) || c->speed > 1e4) {
		tp_err("serve: --speed wants a factor > 0 (at most 10000), not '%s'", arg);
		return -EINVAL;
	}
	return 0;
}

/* serve --scenario: the plant is the board, so what names a real one is refused. */
static int plant_check(const struct daemon_conf *c)
{
	const struct tp_daemon_opts *o = &c->o;

	if (!c->scenario && c->speed > 0) {
		tp_err("serve: --speed needs --scenario FILE");
		return -EINVAL;
	}
	if (c->scenario && (strcmp(o->root, "/") != 0 || o->board || o->unit || o->attach_cgroup)) {
		tp_err("serve: --scenario simulates the board: not with --root, --board, --unit "
		       "or --cgroup");
		return -EINVAL;
	}
	return 0;
}

/*
 * The command line: pass 0 finds --config and --help and checks every
 * option; pass 1 applies them over the file's values.
 */
static int parse_argv(struct daemon_conf *c, int argc, char **argv, enum daemon_mode mode, int pass,
		      const char **config)
{
	struct from x = {mode, NULL};
	struct tp_daemon_opts scratch;
	int ch, ret;

	tp_daemon_opts_init(&scratch);
	optind = 0; /* glibc: start afresh (SIGHUP parses again) */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", long_opts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout, mode);
			return 1;
		}
		if (ch == '?' || ch == ':') {
			tp_err_option(mode_name[mode], ch, argv);
			return -EINVAL;
		}
		if (ch == 'f') {
			*config = optarg;
			continue;
		}
		if (ch == 'J' && mode != DAEMON_SERVE) {
			(pass ? &c->o : &scratch)->json_summary = 1;
			continue;
		}
		if (ch == 'K' && mode == DAEMON_SERVE) {
			c->check_only = 1;
			continue;
		}
		if (ch == 'x' || ch == 'y') {
			struct from xs = {mode, NULL};

			ret = mode == DAEMON_SERVE ? plant_option(c, ch, optarg)
						   : not_here(&xs, ch, "serve");
			if (ret < 0)
				return ret;
			continue;
		}
		ret = apply(&x, ch, optarg, pass ? &c->o : &scratch);
		if (ret == 1) {
			tp_err_option(mode_name[mode], '?', argv); /* not for this command */
			return -EINVAL;
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* What is left after the options, and the options together. */
static int operands(int argc, char **argv, enum daemon_mode mode, struct tp_daemon_opts *o)
{
	const char *cmd = mode_name[mode];
	int ntarget = (o->attach_pid > 0) + (o->attach_cgroup != NULL) + (o->unit != NULL);

	if ((o->audio_rate || o->audio_channel != DSP_CHANNEL_MIX) && !o->audio_device) {
		tp_err("%s: --rate and --channel need --device PCM", cmd);
		return -EINVAL;
	}
	if (mode != DAEMON_RUN && optind < argc) {
		tp_err("%s: unexpected argument '%s'", cmd, argv[optind]);
		return -EINVAL;
	}
	if (mode == DAEMON_ATTACH && ntarget != 1) {
		tp_err("attach: give one of --pid N or --cgroup PATH");
		return -EINVAL;
	}
	if (mode == DAEMON_SERVE && ntarget > 1) {
		tp_err("serve: give at most one of --pid, --cgroup and --unit");
		return -EINVAL;
	}
	if ((o->attach_cgroup || o->unit) && o->actuator != TP_DAEMON_ACT_AUTO &&
	    o->actuator != TP_ACT_CGROUP && o->actuator != TP_ACT_SOCKET) {
		tp_err("%s: --cgroup and --unit work with the cgroup actuator only", cmd);
		return -EINVAL;
	}
	if (mode != DAEMON_RUN)
		return 0;
	if (optind >= argc) {
		tp_err("run: no command given (thermpace run [OPTIONS] -- CMD [ARGS...])");
		return -EINVAL;
	}
	o->argv = argv + optind;
	return 0;
}

/*
 * A board named is loaded once here, with the model it would take: one
 * that does not exist or does not load is a bad argument (exit 2, and a
 * reload keeps the configuration in use), not a failure at run time.
 */
static int check_board(enum daemon_mode mode, const char *name)
{
	struct tp_board *b;
	int ret;

	if (!name)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b) {
		tp_err("%s: %s", mode_name[mode], strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = tp_board_load(b, name);
	if (ret < 0)
		tp_err("%s: %s", mode_name[mode], b->err);
	tp_board_free(b);
	free(b);
	return ret < 0 ? -EINVAL : 0;
}

int daemon_conf_build(struct daemon_conf *c, int argc, char **argv, enum daemon_mode mode)
{
	const char *config = NULL, *state;
	int ret;

	memset(c, 0, sizeof(*c));
	tp_daemon_opts_init(&c->o);
	c->o.serve = mode == DAEMON_SERVE;
	ret = parse_argv(c, argc, argv, mode, 0, &config);
	if (ret != 0)
		return ret;
	if (!config && access(DEFAULT_CONFIG, F_OK) == 0)
		config = DEFAULT_CONFIG;
	if (config && strcmp(config, "none") != 0) {
		tp_strlcpy(c->path, config, sizeof(c->path));
		ret = apply_file(c, mode);
		if (ret < 0)
			return ret;
	}
	ret = parse_argv(c, argc, argv, mode, 1, &config);
	if (ret != 0)
		return ret;
	state = getenv("THERMPACE_STATE_DIR");
	c->o.state_dir = state && state[0] ? state : "/var/lib/thermpace";
	/* the board is loaded later, by the daemon: every load overlays the saved model */
	tp_board_use_model(c->o.model, c->o.model ? NULL : c->o.state_dir);
	ret = plant_check(c);
	if (ret == 0)
		ret = check_board(mode, c->o.board);
	return ret < 0 ? ret : operands(argc, argv, mode, &c->o);
}

void daemon_conf_free(struct daemon_conf *c)
{
	tp_ini_free(&c->ini);
}

int daemon_opts_main(int argc, char **argv, enum daemon_mode mode)
{
	struct daemon_conf *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		tp_err("%s: %s", mode_name[mode], strerror(ENOMEM));
		return TP_EXIT_FAILURE;
	}
	ret = daemon_conf_build(c, argc, argv, mode);
	if (ret == 0)
		ret = tp_daemon_main(&c->o);
	else
		ret = ret > 0 ? TP_EXIT_OK : TP_EXIT_USAGE;
	daemon_conf_free(c);
	free(c);
	return ret;
}
