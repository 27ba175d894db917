#include "daemon_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "pace/actuator.h"
#include "pace/agent.h"
#include "util.h"
#include "wav.h"

static void usage(FILE *f, int attach)
{
	if (attach)
		fprintf(f, "usage: thermpace attach (--pid N | --cgroup PATH) [OPTIONS]\n\n"
			   "Governs a process (or a cgroup) that already runs, until it ends or a\n"
			   "signal (SIGINT, SIGTERM, SIGHUP) ends thermpace; exit status 0.\n\n");
	else
		fprintf(f, "usage: thermpace run [OPTIONS] -- CMD [ARGS...]\n\n"
			   "Runs CMD under the governor: its output passes through untouched, its\n"
			   "tokens are counted, its pace is set so that the board stays under its\n"
			   "ceiling. Ends with one summary line on stderr; the exit status is\n"
			   "CMD's (128 + the signal when a signal killed it).\n\n");
	fprintf(
	    f, "  --board B            board profile (default: detected)\n"
	       "  --root DIR           read sysfs and procfs under DIR instead of /\n"
	       "  --ceiling C          ceiling in C (default: the board's)\n"
	       "  --actuator A         auto|socket|cgroup|cpufreq|devfreq|signal (default auto:\n"
	       "                       the socket, else the first usable of cgroup, cpufreq,\n"
	       "                       signal when no client came within 5 s)\n"
	       "  --controller K       horizon|pi|stepwise|none (default horizon)\n"
	       "  --metrics ADDR:PORT  serve Prometheus /metrics there\n"
	       "  --agent ADDR:PORT    answer HAProxy's agent check there (':PORT': the\n"
	       "                       loopback): weight from headroom, drain, down\n"
	       "                       (docs/fleet.md)\n"
	       "  --agent-hold S       least seconds before the agent's answer relaxes (10)\n"
	       "  --metrics-textfile DIR  write DIR/thermpace.prom each second (atomically) for\n"
	       "                       node_exporter's textfile collector\n"
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
	       "  --device PCM         listen to the contact microphone on this ALSA PCM: its\n"
	       "                       one-second features join the frames as audio.* channels\n"
	       "                       (acoustic_shift and xrun events; docs/acoustics.md)\n"
	       "  --rate HZ            audio sample rate (default 48000)\n"
	       "  --channel K|mix      analyse channel K (1 = first) or the mean of all (default)\n"
	       "  --model FILE         thermal model saved by 'thermpace fit --save' (default:\n"
	       "                       STATE/BOARD.model.ini when present, STATE being\n"
	       "                       $THERMPACE_STATE_DIR or /var/lib/thermpace)\n");
	if (attach)
		fprintf(f, "  --pid N              the process (its group when it leads one)\n"
			   "  --cgroup PATH        the cgroup (its cpu.max or cpu.cfs_quota_us)\n");
	fprintf(f, "  -h, --help           this text\n\n"
		   "Tokens are counted from clients of the pacing socket (libthermpace-client),\n"
		   "from llama-completion's 'eval time = ... / N runs' line in CMD's output\n"
		   "(N + 1 tokens per call), or from --llama-server (then only from there).\n"
		   "Chat llama-cli prints rates only: not counted. docs/pacing.md says more.\n");
}

static int bad(const char *cmd, const char *opt, const char *val, const char *want)
{
	tp_err("%s: %s wants %s, not '%s'", cmd, opt, want, val);
	return -EINVAL;
}

/* --device, --rate, --channel: 0, 1 when c is none of them, or -EINVAL. */
static int audio_option(int c, const char *cmd, struct tp_daemon_opts *o)
{
	long lv;

	switch (c) {
	case 'A':
		if (!optarg[0])
			return bad(cmd, "--device", optarg, "an ALSA PCM name");
		o->audio_device = optarg;
		return 0;
	case 'H':
		if (tp_parse_long(optarg, &lv) < 0 || lv < 1000 || lv > 768000)
			return bad(cmd, "--rate", optarg, "Hz from 1000 to 768000");
		o->audio_rate = (unsigned)lv;
		return 0;
	case 'C':
		if (strcmp(optarg, "mix") == 0)
			o->audio_channel = DSP_CHANNEL_MIX;
		else if (tp_parse_long(optarg, &lv) == 0 && lv >= 1 && lv <= 256)
			o->audio_channel = (int)lv - 1;
		else
			return bad(cmd, "--channel", optarg, "a channel number from 1 or 'mix'");
		return 0;
	}
	return 1;
}

/* The options with a number or a choice for a value: 0, 1 when c is none of them, or -EINVAL. */
static int value_option(int c, const char *cmd, int attach, struct tp_daemon_opts *o)
{
	enum tp_act_kind k;
	double dv;
	long lv;

	switch (c) {
	case 'c':
		if (tp_parse_double(optarg, &dv) < 0 || dv < -50 || dv > 200)
			return bad(cmd, "--ceiling", optarg, "a temperature in C");
		o->ceiling_c = dv;
		return 0;
	case 'a':
		if (strcmp(optarg, "auto") == 0)
			o->actuator = TP_DAEMON_ACT_AUTO;
		else if (tp_act_kind_parse(optarg, &k) == 0)
			o->actuator = (int)k;
		else
			return bad(cmd, "--actuator", optarg,
				   "auto, socket, cgroup, cpufreq, devfreq or signal");
		return 0;
	case 'k':
		if (tp_gov_kind_parse(optarg, &o->controller) < 0)
			return bad(cmd, "--controller", optarg, "horizon, pi, stepwise or none");
		return 0;
	case 'i':
		if (tp_parse_double(optarg, &dv) < 0 || dv < 0.01 || dv > 60)
			return bad(cmd, "--interval", optarg, "seconds from 0.01 to 60");
		o->interval_s = dv;
		return 0;
	case 'D':
		if (tp_parse_double(optarg, &dv) < 0 || dv < 0.01 || dv > 60)
			return bad(cmd, "--duty-period", optarg, "seconds from 0.01 to 60");
		o->duty_period_s = dv;
		return 0;
	case 'M':
		if (tp_parse_long(optarg, &lv) < 0 || lv < 1 || lv > TP_DAEMON_MAX_CLIENTS)
			return bad(cmd, "--max-clients", optarg, "a count from 1 to 256");
		o->max_clients = (int)lv;
		return 0;
	case 'p':
		if (!attach)
			return bad(cmd, "--pid", optarg, "to be given to attach");
		if (tp_parse_long(optarg, &lv) < 0 || lv < 2 || lv > 0x3fffffff)
			return bad(cmd, "--pid", optarg, "a process id");
		o->attach_pid = (pid_t)lv;
		return 0;
	case 'Y':
		if (tp_parse_double(optarg, &dv) < 0 || dv < 0 || dv > 86400)
			return bad(cmd, "--agent-hold", optarg, "seconds");
		o->agent_hold_s = dv;
		return 0;
	case 'F':
		if (tp_parse_double(optarg, &dv) < 0 || dv < 0 || dv > 1e6)
			return bad(cmd, "--fixed-rate", optarg, "tokens/s");
		o->fixed_rate = dv;
		return 0;
	case 'S':
		if (tp_parse_double(optarg, &dv) < 0 || dv < 0 || dv > 1)
			return bad(cmd, "--fixed-setting", optarg, "a fraction from 0 to 1");
		o->fixed_setting = dv;
		return 0;
	}
	return audio_option(c, cmd, o);
}

/* The options with a name or a path for a value: 0, 1 when c is none of them, or -EINVAL. */
static int path_option(int c, const char *cmd, int attach, struct tp_daemon_opts *o)
{
	switch (c) {
	case 'b':
		o->board = optarg;
		return 0;
	case 'r':
		o->root = optarg;
		return 0;
	case 'm':
		o->metrics = optarg;
		return 0;
	case 'T':
		o->metrics_textfile = optarg;
		return 0;
	case 'W': {
		char host[256], port[16];

		if (tp_agent_parse_addr(optarg, host, sizeof(host), port, sizeof(port)) < 0)
			return bad(cmd, "--agent", optarg, "HOST:PORT, [V6]:PORT or :PORT");
		o->agent = optarg;
		return 0;
	}
	case 'e':
		o->events = optarg;
		return 0;
	case 'l':
		o->llama_server = optarg;
		return 0;
	case 'R':
		o->runtime_dir = optarg;
		return 0;
	case 's':
		o->socket = optarg;
		return 0;
	case 'G':
		o->cgroup_base = optarg;
		return 0;
	case 'g':
		if (!attach)
			return bad(cmd, "--cgroup", optarg, "to be given to attach");
		o->attach_cgroup = optarg;
		return 0;
	}
	return 1;
}

static int unknown_option(const char *cmd, char **argv)
{
	if (optopt)
		tp_err("%s: option '-%c' is unknown or needs a value (see "
		       "'thermpace %s "
		       "--help')",
		       cmd, optopt, cmd);
	else
		tp_err("%s: unknown option '%s' (see 'thermpace %s --help')", cmd, argv[optind - 1],
		       cmd);
	return -EINVAL;
}

/* What is left after the options: attach takes none, run the command. */
static int operands(int argc, char **argv, int attach, struct tp_daemon_opts *o)
{
	if ((o->audio_rate || o->audio_channel != DSP_CHANNEL_MIX) && !o->audio_device) {
		tp_err("%s: --rate and --channel need --device PCM", attach ? "attach" : "run");
		return -EINVAL;
	}
	if (attach) {
		if (optind < argc) {
			tp_err("attach: unexpected argument '%s'", argv[optind]);
			return -EINVAL;
		}
		if ((o->attach_pid > 0) == (o->attach_cgroup != NULL)) {
			tp_err("attach: give one of --pid N or --cgroup PATH");
			return -EINVAL;
		}
		if (o->attach_cgroup && o->actuator != TP_DAEMON_ACT_AUTO &&
		    o->actuator != TP_ACT_CGROUP && o->actuator != TP_ACT_SOCKET) {
			tp_err("attach: --cgroup works with the cgroup actuator only");
			return -EINVAL;
		}
		return 0;
	}
	if (optind >= argc) {
		tp_err("run: no command given (thermpace run [OPTIONS] -- CMD [ARGS...])");
		return -EINVAL;
	}
	o->argv = argv + optind;
	return 0;
}

static const struct option long_opts[] = {
    {"board", required_argument, NULL, 'b'},
    {"root", required_argument, NULL, 'r'},
    {"ceiling", required_argument, NULL, 'c'},
    {"actuator", required_argument, NULL, 'a'},
    {"controller", required_argument, NULL, 'k'},
    {"metrics", required_argument, NULL, 'm'},
    {"metrics-textfile", required_argument, NULL, 'T'},
    {"agent", required_argument, NULL, 'W'},
    {"agent-hold", required_argument, NULL, 'Y'},
    {"events", required_argument, NULL, 'e'},
    {"llama-server", required_argument, NULL, 'l'},
    {"interval", required_argument, NULL, 'i'},
    {"runtime-dir", required_argument, NULL, 'R'},
    {"socket", required_argument, NULL, 's'},
    {"cgroup-root", required_argument, NULL, 'G'},
    {"duty-period", required_argument, NULL, 'D'},
    {"max-clients", required_argument, NULL, 'M'},
    {"pid", required_argument, NULL, 'p'},
    {"cgroup", required_argument, NULL, 'g'},
    {"fixed-rate", required_argument, NULL, 'F'},
    {"fixed-setting", required_argument, NULL, 'S'},
    {"device", required_argument, NULL, 'A'},
    {"rate", required_argument, NULL, 'H'},
    {"channel", required_argument, NULL, 'C'},
    {"model", required_argument, NULL, 'O'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int daemon_opts_parse(int argc, char **argv, int attach, struct tp_daemon_opts *o)
{
	const char *cmd = attach ? "attach" : "run", *model = NULL, *state;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout, attach);
			return 1;
		}
		if (c == 'O') {
			model = optarg;
			continue;
		}
		ret = value_option(c, cmd, attach, o);
		if (ret == 1)
			ret = path_option(c, cmd, attach, o);
		if (ret == 1)
			return unknown_option(cmd, argv);
		if (ret < 0)
			return ret;
	}
	state = getenv("THERMPACE_STATE_DIR");
	/* the board is loaded later, by the daemon: every load overlays the saved model */
	tp_board_use_model(model, model ? NULL : state && state[0] ? state : "/var/lib/thermpace");
	return operands(argc, argv, attach, o);
}
