/*
 * thermpace sim: a simulated board that writes a real session directory
 * (manifest.ini, telemetry.csv, audio.wav, truth.jsonl).
 *
 * Open loop (sim_run_open_loop): the scenario's [load] profile drives the
 * token rate. The pieces a closed loop needs are separate: the option table
 * (struct sim_opts, long_opts, parse_args), the session writer
 * (sim_session_open / sim_session_row / sim_session_close), and the plant
 * (src/sim/sim_plant.h), so that a controller driving a real child process is
 * one more run function beside sim_run_open_loop.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "pace/governor.h"
#include "session/session.h"
#include "sim/sim_closed.h"
#include "sim/sim_audio.h"
#include "sim/sim_load.h"
#include "sim/sim_plant.h"
#include "sim/sim_population.h"
#include "sim/sim_scenario.h"
#include "session/truth.h"
#include "session/telemetry_csv.h"
#include "tcp.h"
#include "util.h"

struct sim_opts {
	const char *scenario; /* NULL: the built-in default */
	const char *out;
	uint64_t seed;
	int seed_set;
	double duration_s; /* NAN: the scenario's */
	int no_audio;
	/* closed loop (src/sim/sim_closed.c): with --controller or --load */
	int closed;
	enum tp_gov_kind controller;
	const char *load;
	int virtual_load; /* --virtual-load: no child, board time as fast as it computes */
	double speed;
	int json;
	const char *agent;   /* --agent ADDR:PORT */
	double agent_hold_s; /* NAN: the agent's default */
	long population;     /* 0: one scenario; N: scenarios of sim_population.h */
	int force;	     /* replace the session -o already holds */
};

static const struct option long_opts[] = {
    {"scenario", required_argument, NULL, 's'},
    {"seed", required_argument, NULL, 'S'},
    {"duration", required_argument, NULL, 'd'},
    {"no-audio", no_argument, NULL, 'A'},
    {"output", required_argument, NULL, 'o'},
    {"controller", required_argument, NULL, 'c'},
    {"load", required_argument, NULL, 'L'},
    {"speed", required_argument, NULL, 'K'},
    {"json", no_argument, NULL, 'J'},
    {"population", required_argument, NULL, 'P'},
    {"agent", required_argument, NULL, 'W'},
    {"agent-hold", required_argument, NULL, 'Y'},
    {"json", no_argument, NULL, 'J'},
    {"force", no_argument, NULL, 'F'},
    {"virtual-load", no_argument, NULL, 'V'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: thermpace sim [--scenario FILE] [--seed N] [--duration S] [--no-audio] "
		"-o DIR\n\n"
		"Simulates a passively cooled board (boards/sim.ini) and writes a session\n"
		"directory: manifest.ini, telemetry.csv, audio.wav, truth.jsonl (what really\n"
		"happened). The scenario's [load] drives the token rate (open loop).\n\n"
		"  -s, --scenario FILE  scenario INI (docs/simulator.md); default: 28 C ambient,\n"
		"                       full rate, 90 minutes\n"
		"  -S, --seed N         random seed (default: the scenario's seed)\n"
		"  -d, --duration S     override the scenario's duration_s\n"
		"      --no-audio       write no audio.wav\n"
		"  -o, --output DIR     session directory (created; one that holds a session\n"
		"                       is refused)\n"
		"      --force          replace the session DIR holds (its files removed first)\n"
		"  -h, --help           this help\n\n"
		"      --population N   N scenarios drawn across the network plant's board\n"
		"                       classes, loads and fault kinds (docs/simulator.md),\n"
		"                       one session each under -o DIR; --seed picks the\n"
		"                       population (default 1)\n\n"
		"Closed loop (docs/pacing.md): a real child process makes tokens through the\n"
		"pacing socket and the board's power follows its rate; -o is then optional.\n"
		"  -c, --controller C   horizon|pi|stepwise|none (default horizon)\n"
		"  -L, --load CMD       the child, run by /bin/sh -c (default: thermpace-loadgen\n"
		"                       --cooperative, endless); THERMPACE_SOCKET is set for it\n"
		"  -K, --speed K        board seconds per wall second (default 60)\n"
		"      --virtual-load   no child: the load takes every token granted (up to\n"
		"                       the scenario's max_rate), board time as fast as it\n"
		"                       computes (no wall clock: the same score anywhere)\n"
		"      --json           print the score as one JSON object\n"
		"      --agent ADDR:PORT  answer HAProxy's agent check there, as run does\n"
		"                       (docs/fleet.md); --agent-hold S: its hold, wall seconds\n");
}

/* --agent, --agent-hold: 0, or -EINVAL (message printed). */
static int agent_option(int c, struct sim_opts *o)
{
	char host[256], port[16];

	if (c == 'W') {
		if (tp_tcp_parse_addr(optarg, host, sizeof(host), port, sizeof(port)) < 0) {
			tp_err("sim: --agent wants HOST:PORT, [V6]:PORT or :PORT, not '%s'",
			       optarg);
			return -EINVAL;
		}
		o->agent = optarg;
		o->closed = 1;
		return 0;
	}
	if (tp_parse_double(optarg, &o->agent_hold_s) < 0 || o->agent_hold_s < 0 ||
	    o->agent_hold_s > 86400) {
		tp_err("sim: --agent-hold wants seconds, not '%s'", optarg);
		return -EINVAL;
	}
	return 0;
}

/* 0: run; 1: help shown; -EINVAL: bad arguments (message printed). */
static int parse_args(int argc, char **argv, struct sim_opts *o)
{
	long l;
	int c;

	memset(o, 0, sizeof(*o));
	o->duration_s = NAN;
	o->controller = TP_GOV_HORIZON;
	o->speed = 60;
	o->agent_hold_s = NAN;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:S:d:o:c:L:K:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->scenario = optarg;
			break;
		case 'S':
			if (tp_parse_long(optarg, &l) < 0 || l < 0) {
				tp_err("sim: --seed wants a non-negative integer, not '%s'",
				       optarg);
				return -EINVAL;
			}
			o->seed = (uint64_t)l;
			o->seed_set = 1;
			break;
		case 'd':
			if (tp_parse_double(optarg, &o->duration_s) < 0 || o->duration_s <= 0 ||
			    o->duration_s > 1e8) {
				tp_err("sim: --duration wants seconds > 0, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'A':
			o->no_audio = 1;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'c':
			if (tp_gov_kind_parse(optarg, &o->controller) < 0) {
				tp_err("sim: --controller wants horizon, pi, stepwise or none, not "
				       "'%s'",
				       optarg);
				return -EINVAL;
			}
			o->closed = 1;
			break;
		case 'L':
			o->load = optarg;
			o->closed = 1;
			break;
		case 'V':
			o->virtual_load = 1;
			o->closed = 1;
			break;
		case 'K':
			if (tp_parse_double(optarg, &o->speed) < 0 || o->speed <= 0 ||
			    o->speed > 1e4) {
				tp_err("sim: --speed wants a factor > 0, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'J':
			o->json = 1;
			break;
		case 'W':
		case 'Y':
			if (agent_option(c, o) < 0)
				return -EINVAL;
			break;
		case 'P':
			if (tp_parse_long(optarg, &l) < 0 || l < 1 || l > 100000) {
				tp_err("sim: --population wants 1 to 100000 scenarios, not '%s'",
				       optarg);
				return -EINVAL;
			}
			o->population = l;
			break;
		case 'F':
			o->force = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			tp_err("sim: option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			tp_err("sim: unknown option '%s' (see 'thermpace sim --help')",
			       argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		tp_err("sim: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->out && !o->closed) {
		tp_err("sim: -o DIR is required");
		return -EINVAL;
	}
	if (o->population && (o->closed || o->scenario || !isnan(o->duration_s))) {
		tp_err("sim: --population draws its own scenarios (no --scenario, --duration or "
		       "closed loop)");
		return -EINVAL;
	}
	return 0;
}

/* Scenario with the command line's overrides; exit status on failure. */
static int load_scenario(const struct sim_opts *o, struct tp_scenario *s)
{
	char err[512];

	if (!o->scenario) {
		tp_scenario_default(s);
	} else if (tp_scenario_load(s, o->scenario, err, sizeof(err)) < 0) {
		tp_err("%s", err);
		return TP_EXIT_USAGE;
	}
	if (o->seed_set)
		s->seed = o->seed;
	if (!isnan(o->duration_s)) {
		s->duration_s = o->duration_s;
		if (s->interval_s > s->duration_s)
			s->interval_s = s->duration_s;
		if (s->step_s > s->interval_s)
			s->step_s = s->interval_s;
		if (s->audio_start_s >= s->duration_s)
			s->audio_rate = 0;
	}
	if (o->no_audio)
		s->audio_rate = 0;
	if (s->audio_rate > 0) {
		/* a longer --duration may widen the audio window past [audio] max_mb */
		double secs = fmin(s->audio_duration_s, s->duration_s - s->audio_start_s);
		double mb = secs * s->audio_rate * 2 / 1e6;

		if (mb > s->audio_max_mb) {
			tp_err("sim: audio would take %.0f MB (max_mb %g): use --no-audio or a "
			       "shorter [audio] duration_s",
			       mb, s->audio_max_mb);
			return TP_EXIT_USAGE;
		}
	}
	return TP_EXIT_OK;
}

/* ---- the session directory ---- */

struct sim_session {
	char dir[4096];
	FILE *csv;
	struct tp_csv_writer w;
	struct tp_truth_writer truth;
	struct tp_sim_audio audio;
	int have_audio;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	/* summary for the manifest */
	double throttled_s, max_die_c;
	long rows;
};

static int session_path(const struct sim_session *ss, const char *name, char *out, size_t n)
{
	int ret = tp_session_path(out, n, ss->dir, name);

	if (ret < 0)
		tp_err("sim: path too long: '%s/%s'", ss->dir, name);
	return ret;
}

/*
 * Creates dir and its files; the plant's channels must be in ss->set. On
 * failure prints what failed and returns a negative errno; close in any case.
 */
static int sim_session_open(struct sim_session *ss, const char *dir, const struct tp_scenario *s)
{
	char path[4096], board[96], seed[48], scen[96], start[64];
	const char *meta[] = {board, "source: sim", scen, seed, start, NULL};
	char err[512];
	int ret;

	tp_strlcpy(ss->dir, dir, sizeof(ss->dir));
	ret = tp_mkdir_p(dir, 0755);
	if (ret < 0) {
		tp_err("sim: cannot create '%s': %s", dir, strerror(-ret));
		return ret;
	}
	snprintf(board, sizeof(board), "board: %s", s->board);
	snprintf(scen, sizeof(scen), "scenario: %s", s->name);
	snprintf(seed, sizeof(seed), "seed: %" PRIu64, s->seed);
	snprintf(start, sizeof(start), "start_utc: %s", s->start_utc);
	if (session_path(ss, "telemetry.csv", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	ss->csv = fopen(path, "we");
	if (!ss->csv) {
		ret = -errno;
		tp_err("sim: cannot create '%s': %s", path, strerror(errno));
		return ret;
	}
	setvbuf(ss->csv, NULL, _IOFBF, 1 << 16);
	ret = tp_csv_writer_open(&ss->w, ss->csv, &ss->set, meta);
	if (ret < 0) {
		tp_err("sim: cannot write '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (session_path(ss, "truth.jsonl", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	ret = tp_truth_writer_open(&ss->truth, path);
	if (ret < 0) {
		tp_err("sim: cannot create '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (session_path(ss, "audio.wav", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (s->audio_rate > 0) {
		ret = tp_sim_audio_open(&ss->audio, path, s, s->seed, err, sizeof(err));
		if (ret < 0) {
			tp_err("sim: %s", err);
			return ret;
		}
		ss->have_audio = 1;
	} else if (unlink(path) < 0 && errno != ENOENT) {
		/* a stale audio.wav would not belong to this session */
		ret = -errno;
		tp_err("sim: cannot remove '%s': %s", path, strerror(errno));
		return ret;
	}
	ss->max_die_c = -INFINITY;
	return 0;
}

static int sim_session_row(struct sim_session *ss, double t)
{
	int ret = tp_csv_writer_row(&ss->w, t, ss->v);

	if (ret < 0)
		tp_err("sim: cannot write '%s/telemetry.csv': %s", ss->dir, strerror(-ret));
	ss->rows++;
	return ret;
}

/* Writes the manifest and closes everything; 0 or the first negative errno. */
static int sim_session_close(struct sim_session *ss, const struct tp_scenario *s,
			     const struct tp_plant *p, int ok)
{
	struct tp_manifest m;
	char extra[1024];
	int ret = 0, r;

	if (ss->have_audio && tp_sim_audio_close(&ss->audio) < 0) {
		tp_err("sim: cannot write '%s/audio.wav'", ss->dir);
		ret = -EIO;
	}
	r = tp_truth_writer_close(&ss->truth);
	if (r < 0 && ret == 0 && ok) {
		tp_err("sim: cannot write '%s/truth.jsonl': %s", ss->dir, strerror(-r));
		ret = r;
	}
	if (ss->csv && (ferror(ss->csv) | fclose(ss->csv)) != 0 && ret == 0 && ok) {
		tp_err("sim: cannot write '%s/telemetry.csv'", ss->dir);
		ret = -EIO;
	}
	ss->csv = NULL;
	if (!ok || ret < 0)
		return ret;
	tp_manifest_init(&m, "sim", "sim");
	tp_strlcpy(m.board, s->board, sizeof(m.board));
	tp_strlcpy(m.start_utc, s->start_utc, sizeof(m.start_utc));
	m.start_monotonic = 0; /* simulated time starts at 0 */
	m.interval_s = s->interval_s;
	if (ss->have_audio) {
		m.audio_rate = s->audio_rate;
		m.audio_channels = 1;
		tp_strlcpy(m.audio_format, "PCM_16", sizeof(m.audio_format));
		m.audio_first_frame_t = (double)ss->audio.first_frame / s->audio_rate;
		m.audio_first_frame_monotonic = m.audio_first_frame_t;
	}
	snprintf(extra, sizeof(extra),
		 "[sim]\n"
		 "scenario = %s\n"
		 "seed = %" PRIu64 "\n"
		 "duration_s = %.6f\n"
		 "rows = %ld\n"
		 "true_energy_j = %.6f\n"
		 "true_tokens = %.6f\n"
		 "throttled_s = %.3f\n"
		 "max_die_c = %.4f\n"
		 "final_ambient_c = %.4f\n",
		 s->name, s->seed, tp_plant_time(p), ss->rows, tp_plant_energy_j(p),
		 tp_plant_tokens(p), ss->throttled_s, ss->max_die_c, tp_plant_ambient_c(p));
	m.extra = extra;
	r = tp_manifest_write(&m, ss->dir);
	if (r < 0) {
		tp_err("sim: cannot write '%s/manifest.ini': %s", ss->dir, strerror(-r));
		ret = r;
	}
	return ret;
}

/* What a run needs, allocated once by cmd_sim: the plant and the session are large. */
struct sim_run {
	struct tp_scenario s;
	struct tp_plant plant;
	struct sim_session ss;
	double v[TP_MAX_CHANNELS]; /* the closed loop's frame */
};

/* ---- open loop ---- */

static int sim_run_open_loop(const struct sim_opts *o, struct sim_run *run)
{
	const struct tp_scenario *s = &run->s;
	struct tp_plant *plant = &run->plant;
	struct sim_session *ss = &run->ss;
	struct tp_simload load;
	struct tp_progress prog;
	long k, nrows = (long)floor(s->duration_s / s->interval_s + 1e-9);
	int ret;

	tp_progress_init(&prog, "sim");
	memset(ss, 0, sizeof(*ss));
	tp_chanset_init(&ss->set);
	if (tp_plant_init(plant, s, s->seed, &ss->set) < 0) {
		tp_err("sim: too many channels");
		return TP_EXIT_FAILURE;
	}
	tp_simload_init(&load, s, s->seed);
	ret = sim_session_open(ss, o->out, s);
	if (ret < 0)
		goto out;
	tp_plant_set_truth(plant, &ss->truth);
	tp_frame_clear(ss->v, ss->set.n);
	tp_plant_sample(plant, ss->v);
	ret = sim_session_row(ss, 0);
	for (k = 1; k <= nrows && ret == 0; k++) {
		double t_row = (double)k * s->interval_s;

		while (ret == 0 && tp_plant_time(plant) < t_row - 1e-9) {
			double t0 = tp_plant_time(plant), tok0 = tp_plant_tokens(plant);
			double h = fmin(s->step_s, t_row - t0);

			if (t_row - t0 - h < 1e-9)
				h = t_row - t0;
			tp_plant_advance(plant, h, tp_simload_demand(&load, t0, h));
			tp_simload_account(&load, tp_plant_time(plant),
					   tp_plant_tokens(plant) - tok0);
			if (tp_plant_throttled(plant))
				ss->throttled_s += h;
			if (tp_plant_die_c(plant) > ss->max_die_c)
				ss->max_die_c = tp_plant_die_c(plant);
			if (ss->have_audio &&
			    tp_sim_audio_feed(&ss->audio, tp_plant_time(plant),
					      tp_plant_power_w(plant), tp_plant_cool_state(plant),
					      tp_plant_rate(plant)) < 0) {
				tp_err("sim: cannot write '%s/audio.wav'", ss->dir);
				ret = -EIO;
			}
		}
		if (ret == 0) {
			tp_plant_sample(plant, ss->v);
			ret = sim_session_row(ss, t_row);
		}
		tp_progress_say(&prog, "%.0f of %.0f board seconds", t_row, s->duration_s);
	}
	tp_progress_end(&prog);
	if (ret == 0 && tp_plant_finish(plant) < 0) {
		tp_err("sim: cannot write '%s/truth.jsonl'", ss->dir);
		ret = -EIO;
	}
out:
	if (sim_session_close(ss, s, plant, ret == 0) < 0 && ret == 0)
		ret = -EIO;
	return ret == 0 ? TP_EXIT_OK : TP_EXIT_FAILURE;
}

/* ---- closed loop (src/sim/sim_closed.c drives it) ---- */

static int closed_row(void *ctx, double t, const double *v)
{
	struct sim_session *ss = ctx;

	memcpy(ss->v, v, sizeof(double) * (size_t)ss->set.n);
	return sim_session_row(ss, t);
}

static int sim_run_closed_loop(const struct sim_opts *o, struct sim_run *run)
{
	struct tp_scenario *s = &run->s;
	struct tp_plant *plant = &run->plant;
	struct sim_session *ss = &run->ss;
	struct tp_sim_closed_opts co;
	struct tp_sim_score score;
	char err[512], path[4096];
	FILE *events = NULL;
	int ret = 0;

	s->audio_rate = 0; /* the closed loop writes no audio */
	memset(ss, 0, sizeof(*ss));
	tp_chanset_init(&ss->set);
	if (tp_plant_init(plant, s, s->seed, &ss->set) < 0 ||
	    tp_chanset_add(&ss->set, "tokens.total") < 0 ||
	    tp_chanset_add(&ss->set, "rate.tokens") < 0) {
		tp_err("sim: too many channels");
		return TP_EXIT_FAILURE;
	}
	memset(&co, 0, sizeof(co));
	co.controller = o->controller;
	co.load = o->load;
	co.speed = o->speed;
	co.virtual_load = o->virtual_load;
	co.agent = o->agent;
	co.agent_hold_s = o->agent_hold_s;
	co.progress = o->json ? NULL : stdout;
	co.progress_s = 600;
	if (o->out) {
		ret = sim_session_open(ss, o->out, s);
		if (ret < 0)
			goto out;
		tp_plant_set_truth(plant, &ss->truth);
		if (session_path(ss, "events.jsonl", path, sizeof(path)) < 0) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		events = fopen(path, "we");
		if (!events) {
			ret = -errno;
			tp_err("sim: cannot create '%s': %s", path, strerror(errno));
			goto out;
		}
		co.events = events;
		co.row = closed_row;
		co.row_ctx = ss;
	}
	ret = tp_sim_closed_run(s, plant, &ss->set, run->v, &co, &score, err, sizeof(err));
	if (ret < 0) {
		tp_err("sim: %s", err);
		goto out;
	}
	if (o->out && tp_plant_finish(plant) < 0) {
		tp_err("sim: cannot write '%s/truth.jsonl'", ss->dir);
		ret = -EIO;
		goto out;
	}
	tp_sim_score_print(stdout, &score, o->json);
out:
	if (events && fclose(events) != 0 && ret == 0) {
		tp_err("sim: cannot write '%s/events.jsonl'", ss->dir);
		ret = -EIO;
	}
	if (o->out && sim_session_close(ss, s, plant, ret == 0) < 0 && ret == 0)
		ret = -EIO;
	return ret == 0 ? TP_EXIT_OK : TP_EXIT_FAILURE;
}

/* ---- a population (sim_population.h): one open-loop session per scenario ---- */

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;
	int bad;

	if (tp_session_path(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	return bad ? -EIO : 0;
}

static int sim_run_population(const struct sim_opts *o, struct sim_run *run)
{
	uint64_t seed = o->seed_set ? o->seed : 1;
	struct sim_opts one = *o;
	char text[8192], name[TP_SIM_NAME_MAX], err[512], dir[4096];
	long i;
	int ret;

	ret = tp_mkdir_p(o->out, 0755);
	if (ret < 0) {
		tp_err("sim: cannot create '%s': %s", o->out, strerror(-ret));
		return TP_EXIT_FAILURE;
	}
	for (i = 0; i < o->population; i++) {
		if (tp_population_scenario(seed, i, text, sizeof(text), name, sizeof(name)) < 0 ||
		    tp_scenario_load_mem(&run->s, text, name, err, sizeof(err)) < 0) {
			tp_err("sim: population scenario %ld: %s", i, err);
			return TP_EXIT_FAILURE;
		}
		if (snprintf(dir, sizeof(dir), "%s/%s", o->out, name) >= (int)sizeof(dir)) {
			tp_err("sim: path too long: '%s/%s'", o->out, name);
			return TP_EXIT_FAILURE;
		}
		one.out = dir;
		ret = sim_run_open_loop(&one, run);
		if (ret != TP_EXIT_OK)
			return ret;
		ret = write_text(dir, "scenario.ini", text);
		if (ret < 0) {
			tp_err("sim: cannot write '%s/scenario.ini': %s", dir, strerror(-ret));
			return TP_EXIT_FAILURE;
		}
	}
	printf("sim: %ld sessions of population %llu under %s\n", o->population,
	       (unsigned long long)seed, o->out);
	return TP_EXIT_OK;
}

/*
 * -o DIR: refused when it holds a session (a second run's files would mix
 * with the first's: an old events.jsonl read with a new telemetry.csv);
 * with --force, the session's files go first. 0, or an exit status.
 */
static int check_out(const struct sim_opts *o)
{
	static const char *const files[] = {"manifest.ini", "telemetry.csv", "events.jsonl",
					    "truth.jsonl", "audio.wav"};
	char path[4096];
	struct stat st;
	size_t i;

	if (!o->out)
		return 0;
	for (i = 0; i < TP_ARRAY_LEN(files); i++) {
		if (tp_session_path(path, sizeof(path), o->out, files[i]) < 0 ||
		    lstat(path, &st) < 0)
			continue;
		if (!o->force) {
			tp_err("sim: '%s' already holds a session (%s): choose another -o, or "
			       "--force to replace it",
			       o->out, files[i]);
			return TP_EXIT_FAILURE;
		}
		if (unlink(path) < 0) {
			tp_err("sim: cannot remove '%s': %s", path, strerror(errno));
			return TP_EXIT_FAILURE;
		}
	}
	return 0;
}

int cmd_sim(int argc, char **argv)
{
	struct sim_run *run;
	struct sim_opts o;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? TP_EXIT_OK : TP_EXIT_USAGE;
	run = calloc(1, sizeof(*run));
	if (!run) {
		tp_err("sim: out of memory");
		return TP_EXIT_FAILURE;
	}
	if (o.population) {
		ret = sim_run_population(&o, run);
		free(run);
		return ret;
	}
	ret = load_scenario(&o, &run->s);
	if (ret == TP_EXIT_OK)
		ret = check_out(&o);
	if (ret == TP_EXIT_OK)
		ret = o.closed ? sim_run_closed_loop(&o, run) : sim_run_open_loop(&o, run);
	free(run);
	return ret;
}
