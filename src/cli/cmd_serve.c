/*
 * thermpace serve [--config FILE] [OPTIONS]: the daemon as a system service
 * without a command (src/pace/pace_daemon.h, docs/service.md). SIGHUP
 * builds the options again from the file and the same command line into
 * the slot the daemon does not run on: the daemon restarts on it, or keeps
 * the one in use when the file is bad or the new options fail to start.
 *
 * serve --scenario FILE [--speed K]: the board is a simulated plant (src/sim/)
 * driven by the tokens of the pacing socket's clients, as the closed loop of
 * `thermpace sim` drives it; the plant is kept across reloads and its score
 * printed as one JSON object on stdout at the end.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "daemon_opts.h"
#include "board.h"
#include "sim/sim_closed.h"
#include "util.h"

struct serve {
	struct daemon_conf slot[2];
	int argc;
	char **argv;
	/* --scenario: the plant, its channels, its drive and score, the daemon's hooks */
	struct tp_scenario sc;
	struct tp_plant plant;
	struct tp_chanset pset;
	struct tp_sim_drive dr;
	struct tp_sim_score score;
	struct tp_daemon_plant hook;
	double tokens, base, last_t, wall0;
};

static int plant_channels(void *ctx, struct tp_chanset *set, char *err, size_t n)
{
	struct serve *s = ctx;

	(void)err;
	(void)n;
	*set = s->pset;
	return 0;
}

static void plant_step(void *ctx, double t, double tokens, double *v)
{
	struct serve *s = ctx;

	if (t < s->last_t) /* the daemon started again (a reload): its clock from 0 */
		s->base = tp_plant_time(&s->plant);
	s->last_t = t;
	s->tokens += tokens;
	tp_sim_drive_advance(&s->dr, &s->plant, s->tokens, s->base + t);
	tp_plant_sample(&s->plant, v);
}

/* The scenario's plant and the daemon's hooks to it; an exit status on failure. */
static int plant_open(struct serve *s, const struct daemon_conf *c)
{
	struct tp_board *b;
	char err[512];
	double setpoint;
	int ret;

	if (tp_scenario_load(&s->sc, c->scenario, err, sizeof(err)) < 0) {
		tp_err("serve: %s", err);
		return TP_EXIT_USAGE;
	}
	s->sc.audio_rate = 0; /* no audio here */
	b = calloc(1, sizeof(*b));
	if (!b || tp_board_load(b, s->sc.board) < 0) {
		tp_err("serve: cannot load board '%s': %s", s->sc.board,
		       b ? b->err : strerror(ENOMEM));
		ret = TP_EXIT_FAILURE;
		goto out;
	}
	tp_chanset_init(&s->pset);
	if (tp_plant_init(&s->plant, &s->sc, s->sc.seed, &s->pset) < 0 ||
	    tp_chanset_add(&s->pset, "tokens.total") < 0 ||
	    tp_chanset_add(&s->pset, "rate.tokens") < 0) {
		tp_err("serve: too many channels");
		ret = TP_EXIT_FAILURE;
		goto out;
	}
	s->hook.speed = c->speed > 0 ? c->speed : 1.0;
	setpoint = b->ceiling_c - (b->margin_c > 0 ? b->margin_c : 3);
	memset(&s->score, 0, sizeof(s->score));
	tp_sim_drive_init(&s->dr, &s->sc, &s->score, &s->plant, b->ceiling_c, setpoint,
			  s->hook.speed);
	s->score.ceiling_c = b->ceiling_c;
	s->score.setpoint_c = setpoint;
	s->hook.board = s->sc.board;
	s->hook.rate_cap = s->sc.max_rate;
	s->hook.channels = plant_channels;
	s->hook.step = plant_step;
	s->hook.ctx = s;
	s->wall0 = tp_mono_now();
	ret = 0;
out:
	if (b)
		tp_board_free(b);
	free(b);
	return ret;
}

/* The plant's score on stdout, as `sim --json` prints it. */
static void plant_score(struct serve *s, const struct daemon_conf *c)
{
	struct tp_sim_score *sc = &s->score;
	const struct tp_sim_drive *dr = &s->dr;
	double d;

	sc->controller = tp_gov_kind_name(c->o.controller);
	sc->speed = s->hook.speed;
	sc->duration_s = d = tp_plant_time(&s->plant);
	sc->wall_s = tp_mono_now() - s->wall0;
	sc->tokens = tp_plant_tokens(&s->plant);
	sc->child_tokens = s->tokens / s->hook.speed;
	sc->mean_rate_ss = d > dr->ss_start ? dr->ss_tok / (d - dr->ss_start) : NAN;
	sc->sustainable_rate_ss = d > dr->ss_start ? dr->ss_sus / (d - dr->ss_start) : NAN;
	sc->throughput_vs_sustainable = dr->ss_sus > 0 ? dr->ss_tok / dr->ss_sus : NAN;
	sc->energy_j = sc->energy_error_rel = NAN; /* the daemon's account is its own */
	sc->energy_true_j = tp_plant_energy_j(&s->plant);
	sc->joules_per_token = sc->tokens > 0 ? sc->energy_true_j / sc->tokens : NAN;
	sc->horizon_share = sc->late_s = sc->load_ended_s = NAN;
	tp_sim_score_print(stdout, sc, 1);
	fflush(stdout);
}

static int reload(void *ctx, const struct tp_daemon_opts *cur, const struct tp_daemon_opts **next)
{
	struct serve *s = ctx;
	/* the slot the daemon does not run on */
	struct daemon_conf *spare = &s->slot[cur == &s->slot[0].o ? 1 : 0];
	int ret;

	daemon_conf_free(spare);
	ret = daemon_conf_build(spare, s->argc, s->argv, DAEMON_SERVE);
	if (ret != 0)
		return -EINVAL; /* it said why, as FILE:LINE: why */
	if (spare->scenario)
		spare->o.plant = &s->hook; /* the same plant: the board does not change */
	spare->o.reload = reload;
	spare->o.reload_ctx = s;
	*next = &spare->o;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve *s = calloc(1, sizeof(*s));
	int ret;

	if (!s) {
		tp_err("serve: %s", strerror(ENOMEM));
		return TP_EXIT_FAILURE;
	}
	s->argc = argc;
	s->argv = argv;
	ret = daemon_conf_build(&s->slot[0], argc, argv, DAEMON_SERVE);
	if (ret == 0 && s->slot[0].check_only) {
		printf("%s: the configuration is good\n",
		       s->slot[0].path[0] ? s->slot[0].path : "(no file)");
		ret = TP_EXIT_OK;
	} else if (ret == 0 && s->slot[0].scenario && (ret = plant_open(s, &s->slot[0])) != 0) {
		/* it said why */
	} else if (ret == 0) {
		s->slot[0].o.reload = reload;
		s->slot[0].o.reload_ctx = s;
		if (s->slot[0].scenario)
			s->slot[0].o.plant = &s->hook;
		ret = tp_daemon_main(&s->slot[0].o);
		if (s->slot[0].scenario)
			plant_score(s, &s->slot[0]);
	} else {
		ret = ret > 0 ? TP_EXIT_OK : TP_EXIT_USAGE;
	}
	daemon_conf_free(&s->slot[0]);
	daemon_conf_free(&s->slot[1]);
	free(s);
	return ret;
}
