#include "sim_closed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "event.h"
#include "pace/pace_child.h"
#include "pace/pace.h"
#include "pace/agent.h"
#include "pace/pace_server.h"
#include "pace/pacer.h"
#include "brain/pipeline.h"
#include "util.h"

#define MAX_POLL 40

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	stop_flag = sig;
}

/* One closed-loop run; allocated once (it holds the pacer's frame marks). */
struct sim {
	const struct tp_scenario *s;
	struct tp_plant *p;
	struct tp_chanset *set;
	double *v;
	const struct tp_sim_closed_opts *o;
	struct tp_sim_score *sc;
	struct tp_board b;
	struct tp_loop loop;
	struct tp_pace_server srv;
	struct tp_agent agent; /* fd -1: none */
	struct tp_child child;
	int srv_open, have_dir, devnull;
	char dir[32], sock[64], loadgen[PATH_MAX];
	char *argv[8];
	double wall0, speed, child_tokens, setpoint;
	struct tp_sim_drive dr; /* the plant on the child's tokens */
	int child_gone;
};

static double board_time(const struct sim *l, double now)
{
	return (now - l->wall0) * l->speed;
}

static void hook_tokens(void *ctx, long n, double now)
{
	struct sim *l = ctx;

	l->child_tokens += (double)n;
	tp_pacer_tokens(&l->loop.pacer, TP_TOK_SOCKET, (double)n * l->speed, board_time(l, now));
}

static void hook_call(void *ctx, int begin, double now, const char *name)
{
	struct sim *l = ctx;

	(void)name;
	tp_pacer_call_mark(&l->loop.pacer, begin, board_time(l, now));
}

/* The plant is the loop's source: the simulated sensors and meters. */
static void plant_sample(void *ctx, double t, double *v, double now)
{
	struct sim *l = ctx;

	(void)t;
	(void)now;
	tp_plant_sample(l->p, v);
}

/* thermpace-loadgen beside this executable, cooperative, endless. */
static int default_load(char *path, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (len <= 0)
		return -ENOENT;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if (snprintf(path, n, "%s/thermpace-loadgen", exe) >= (int)n)
		return -ENAMETOOLONG;
	return access(path, X_OK) == 0 ? 0 : -ENOENT;
}

static void stop_child(struct tp_child *c)
{
	int i;

	if (c->pid <= 0 || c->reaped)
		return;
	kill(-c->pid, SIGCONT);
	kill(-c->pid, SIGTERM);
	for (i = 0; i < 200; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (tp_child_reap(c, 0) != 0)
			return;
		nanosleep(&ts, NULL);
	}
	kill(-c->pid, SIGKILL);
	tp_child_reap(c, 1);
}

/* Serves the socket until the wall deadline, reaping the child if it ends. */
static void serve_until(struct sim *l, struct tp_child *c, double deadline)
{
	struct pollfd p[MAX_POLL];
	double now;
	int n, n_agt, ms;

	for (;;) {
		now = tp_mono_now();
		if (now >= deadline || stop_flag)
			return;
		n = tp_pace_server_pollfds(&l->srv, p, MAX_POLL - TP_AGENT_CONNS - 1);
		n_agt = tp_agent_pollfds(&l->agent, p + n, MAX_POLL - n);
		ms = (int)ceil((deadline - now) * 1e3);
		if (c->reaped || ms < 20)
			ms = ms > 0 ? ms : 0;
		else
			ms = 20; /* look at the child now and then */
		if (poll(p, (nfds_t)(n + n_agt), ms) > 0) {
			tp_pace_server_handle(&l->srv, p, n, tp_mono_now());
			tp_agent_handle(&l->agent, p + n, n_agt, tp_mono_now());
		}
		if (!c->reaped)
			tp_child_reap(c, 0);
	}
}

static void progress(const struct sim *l, double t)
{
	const struct tp_forecast *f = tp_pipeline_forecast(l->loop.pl);
	const struct tp_pacer *pc = &l->loop.pacer;

	fprintf(l->o->progress,
		"sim: t %6.0f s  die %5.1f C  forecast %5.1f C in 600 s  granted %5.2f  made %5.2f "
		"tokens/s  sustainable %5.2f  %5.3f J/token\n",
		t, tp_plant_die_c(l->p), f->valid ? f->temp_600s : NAN,
		tp_pacer_granted(pc) < 0 ? INFINITY : tp_pacer_granted(pc), tp_plant_rate(l->p),
		tp_plant_sustainable_rate(l->p, l->setpoint),
		pc->tokens > 0 ? tp_pacer_energy_j(pc) / pc->tokens : NAN);
	fflush(l->o->progress);
}

/* The board, the loop (events, pipeline, pacer) and the socket. */
static int sim_open(struct sim *l, char *err, size_t n)
{
	struct tp_pacer_opts po;
	int ret;

	ret = tp_board_load(&l->b, l->s->board);
	if (ret < 0) {
		snprintf(err, n, "cannot load board '%s': %s", l->s->board, l->b.err);
		return ret;
	}
	l->setpoint = l->b.ceiling_c - (l->b.margin_c > 0 ? l->b.margin_c : 3);
	ret = tp_pacer_add_channels(l->set);
	if (ret < 0) {
		snprintf(err, n, "too many channels");
		return ret;
	}
	ret = tp_loop_open(&l->loop, &l->b, l->set, NULL, l->o->events, NULL, err, n);
	if (ret < 0)
		return ret;
	l->loop.source.sample = plant_sample;
	l->loop.source.ctx = l;
	snprintf(l->dir, sizeof(l->dir), "/tmp/thermpace-sim-XXXXXX");
	if (!mkdtemp(l->dir)) {
		ret = -errno;
		snprintf(err, n, "cannot create a runtime directory in /tmp: %s", strerror(errno));
		return ret;
	}
	l->have_dir = 1;
	snprintf(l->sock, sizeof(l->sock), "%s/pace.sock", l->dir);
	ret = tp_pace_server_open(&l->srv, l->sock, 16, 0660);
	if (ret < 0) {
		snprintf(err, n, "cannot listen on '%s': %s", l->sock, strerror(-ret));
		return ret;
	}
	l->srv_open = 1;
	l->srv.hooks.ctx = l;
	l->srv.hooks.tokens = hook_tokens;
	l->srv.hooks.call = hook_call;
	tp_pacer_opts_init(&po);
	po.controller = l->o->controller;
	po.rate_cap = l->s->max_rate; /* the board cannot make more: never "unlimited" */
	po.tokens_from_frame = 1;     /* the board's count, as a meter would give it */
	ret = tp_loop_pacer(&l->loop, &po, &l->b, l->set, &l->srv, NULL, NULL);
	if (ret < 0) {
		snprintf(err, n, "cannot set up the pacer: %s", strerror(-ret));
		return ret;
	}
	if (l->o->agent) {
		struct tp_agent_opts ao;

		tp_agent_opts_init(&ao);
		if (isfinite(l->o->agent_hold_s))
			ao.hold_s = l->o->agent_hold_s;
		ret = tp_agent_open(&l->agent, l->o->agent, &ao, &l->loop.log, err, n);
	}
	return ret;
}

/* The child's command line: the user's load through /bin/sh, or thermpace-loadgen. */
static int load_argv(struct sim *l, char *err, size_t n)
{
	static const char *const sh[] = {"/bin/sh", "-c"};
	static const char *const lg[] = {"--cooperative", "--tokens", "0",
					 "--quiet",	  "--name",   "sim-load"};
	size_t i;

	if (l->o->load) { /* execv's prototype is not const */
		l->argv[0] = (char *)(uintptr_t)sh[0];
		l->argv[1] = (char *)(uintptr_t)sh[1];
		l->argv[2] = (char *)(uintptr_t)l->o->load;
		return 0;
	}
	if (default_load(l->loadgen, sizeof(l->loadgen)) < 0) {
		snprintf(err, n, "thermpace-loadgen not found beside this program: give --load");
		return -ENOENT;
	}
	l->argv[0] = l->loadgen;
	for (i = 0; i < TP_ARRAY_LEN(lg); i++)
		l->argv[i + 1] = (char *)(uintptr_t)lg[i];
	return 0;
}

static int start_load(struct sim *l, char *err, size_t n)
{
	struct tp_child_opts co;
	int ret;

	memset(&co, 0, sizeof(co));
	co.argv = l->argv;
	l->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	co.socket_path = l->sock;
	co.out_fd = l->devnull;
	co.err_fd = l->o->load ? -1 : l->devnull; /* a user's load may have something to say */
	co.null_stdin = 1;
	ret = tp_child_spawn(&l->child, &co);
	if (ret == 0)
		ret = tp_child_release(&l->child);
	if (ret < 0)
		snprintf(err, n, "cannot run the load '%s': %s",
			 l->o->load ? l->o->load : l->loadgen, strerror(-ret));
	return ret;
}

void tp_sim_drive_init(struct tp_sim_drive *dr, const struct tp_scenario *s,
		       struct tp_sim_score *sc, const struct tp_plant *p, double ceiling_c,
		       double setpoint_c, double speed)
{
	memset(dr, 0, sizeof(*dr));
	dr->s = s;
	dr->sc = sc;
	dr->ceiling_c = ceiling_c;
	dr->setpoint_c = setpoint_c;
	/* room for two child tokens, or the board's full rate over two smoothing times */
	dr->backlog_max = fmax(2 * s->max_rate * SIM_CLOSED_SMOOTH_S, 2 * speed);
	dr->ss_start = s->duration_s * 2.0 / 3.0;
	sc->peak_die_c = tp_plant_die_c(p);
	dr->in_control = tp_plant_die_c(p) <= setpoint_c;
	sc->start_over_s = dr->in_control ? 0 : INFINITY; /* never under: infinite */
}

void tp_sim_drive_advance(struct tp_sim_drive *dr, struct tp_plant *p, double board_tokens,
			  double t_row)
{
	const struct tp_scenario *s = dr->s;
	struct tp_sim_score *sc = dr->sc;
	double backlog, demand, t0, tok0, h, gen;

	/* the load's tokens since the last row, smoothed into the plant's demand */
	backlog = board_tokens - tp_plant_tokens(p) - dr->dropped;
	if (backlog > dr->backlog_max) {
		/* made faster than the (throttled) board could: not carried forever */
		dr->dropped += backlog - dr->backlog_max;
		backlog = dr->backlog_max;
	}
	backlog = fmax(0, backlog);
	/* one demand for the whole row: the power is steady between two samples */
	demand = backlog / fmax(SIM_CLOSED_SMOOTH_S, s->interval_s);
	while (tp_plant_time(p) < t_row - 1e-9) {
		t0 = tp_plant_time(p);
		tok0 = tp_plant_tokens(p);
		h = fmin(s->step_s, t_row - t0);
		if (t_row - t0 - h < 1e-9)
			h = t_row - t0;
		tp_plant_advance(p, h, demand);
		gen = tp_plant_tokens(p) - tok0;
		if (tp_plant_die_c(p) > dr->ceiling_c)
			sc->seconds_above_ceiling += h;
		sc->overshoot_k = fmax(sc->overshoot_k, tp_plant_die_c(p) - dr->setpoint_c);
		if (!dr->in_control && tp_plant_die_c(p) <= dr->setpoint_c) {
			dr->in_control = 1;
			sc->start_over_s = t0 + h;
		}
		if (dr->in_control) {
			if (tp_plant_die_c(p) > dr->ceiling_c)
				sc->seconds_above_ceiling_in += h;
			sc->overshoot_in_k =
			    fmax(sc->overshoot_in_k, tp_plant_die_c(p) - dr->setpoint_c);
		}
		sc->peak_die_c = fmax(sc->peak_die_c, tp_plant_die_c(p));
		if (tp_plant_cool_state(p) > 0) {
			sc->throttled_s += h;
			if (dr->cool_prev == 0)
				sc->kernel_throttles++;
		}
		dr->cool_prev = tp_plant_cool_state(p);
		if (t0 >= dr->ss_start - 1e-9) {
			dr->ss_tok += gen;
			dr->ss_sus += tp_plant_sustainable_rate(p, dr->setpoint_c) * h;
		}
	}
}

/* The virtual load's tokens over the row ending at t_row: what the pacer grants. */
static void virtual_tokens(struct sim *l, double t_row)
{
	double g = tp_pacer_granted(&l->loop.pacer), rate = l->s->max_rate, n;

	if (g >= 0 && g < rate)
		rate = g;
	n = rate * l->s->interval_s;
	if (n <= 0)
		return;
	l->child_tokens += n; /* speed 1: board tokens */
	tp_pacer_tokens(&l->loop.pacer, TP_TOK_SOCKET, n, t_row);
}

/* The rows: t = 0, then every interval until the duration, a stop or a failed load. */
static int run_rows(struct sim *l)
{
	const struct tp_scenario *s = l->s;
	struct tp_sim_score *sc = l->sc;
	double t_row;
	long k, nrows;
	int ret;

	/* t = 0: the first frame and the first grant */
	nrows = (long)floor(s->duration_s / s->interval_s + 1e-9);
	l->wall0 = tp_mono_now();
	tp_frame_clear(l->v, l->set->n);
	tp_loop_tick(&l->loop, 0, l->v, l->wall0);
	if (l->o->row && (ret = l->o->row(l->o->row_ctx, 0, l->v)) < 0)
		return ret;
	tp_sim_drive_init(&l->dr, s, sc, l->p, l->b.ceiling_c, l->setpoint, l->speed);
	for (k = 1; k <= nrows && !stop_flag; k++) {
		t_row = (double)k * s->interval_s;
		if (l->o->virtual_load) {
			virtual_tokens(l, t_row);
			goto advance;
		}
		serve_until(l, &l->child, l->wall0 + t_row / l->speed);
		if (l->child.reaped && !l->child_gone) {
			l->child_gone = 1;
			sc->load_ended_s = t_row;
			sc->load_status = tp_child_exit_code(&l->child);
			if (l->child_tokens == 0 && sc->load_status != 0)
				break; /* it failed: nothing to simulate */
				       /* it finished: the board idles to the end */
		}
		sc->late_s = fmax(sc->late_s, tp_mono_now() - (l->wall0 + t_row / l->speed));
	advance:
		tp_sim_drive_advance(&l->dr, l->p, l->child_tokens * l->speed, t_row);
		tp_loop_tick(&l->loop, t_row, l->v, tp_mono_now());
		tp_pace_server_tick(&l->srv, tp_mono_now());
		if (l->agent.fd >= 0) {
			struct tp_agent_input in;

			tp_agent_input_from(&in, &l->loop.pacer, l->v, !l->child.reaped,
					    tp_mono_now(), t_row);
			tp_agent_decide(&l->agent, &in);
		}
		if (l->o->row && (ret = l->o->row(l->o->row_ctx, t_row, l->v)) < 0)
			return ret;
		if (l->o->progress && l->o->progress_s > 0 &&
		    fmod(t_row + 1e-9, l->o->progress_s) < s->interval_s - 1e-9 + 1e-9)
			progress(l, t_row);
	}
	return 0;
}

static void score(struct sim *l)
{
	struct tp_sim_score *sc = l->sc;
	struct tp_plant *p = l->p;
	const long *m = l->loop.pacer.mode_ticks;
	long all = m[0] + m[1] + m[2] + m[3];

	sc->controller = tp_gov_kind_name(l->o->controller);
	sc->speed = l->speed;
	sc->duration_s = tp_plant_time(p);
	sc->wall_s = tp_mono_now() - l->wall0;
	sc->tokens = tp_plant_tokens(p);
	sc->child_tokens = l->child_tokens;
	sc->setpoint_c = l->setpoint;
	sc->ceiling_c = l->b.ceiling_c;
	sc->mean_rate_ss = sc->duration_s > l->dr.ss_start
			       ? l->dr.ss_tok / (sc->duration_s - l->dr.ss_start)
			       : NAN;
	sc->sustainable_rate_ss = sc->duration_s > l->dr.ss_start
				      ? l->dr.ss_sus / (sc->duration_s - l->dr.ss_start)
				      : NAN;
	sc->throughput_vs_sustainable = l->dr.ss_sus > 0 ? l->dr.ss_tok / l->dr.ss_sus : NAN;
	sc->energy_j = tp_pacer_energy_j(&l->loop.pacer);
	sc->energy_true_j = tp_plant_energy_j(p);
	sc->energy_error_rel = sc->energy_true_j > 0
				   ? fabs(sc->energy_j - sc->energy_true_j) / sc->energy_true_j
				   : NAN;
	sc->joules_per_token = sc->tokens > 0 ? sc->energy_true_j / sc->tokens : NAN;
	sc->pace_changes = tp_loop_events(&l->loop, "pace_change");
	sc->horizon_share = all > 0 ? (double)m[TP_GOV_HORIZON] / (double)all : NAN;
}

/* The loop on a spawned load, with SIGINT and SIGTERM caught; then the score. */
static int sim_run(struct sim *l, char *err, size_t n)
{
	struct sigaction sa, old_int, old_term;
	int ret;

	if (!l->o->virtual_load) {
		ret = load_argv(l, err, n);
		if (ret < 0)
			return ret;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	ret = l->o->virtual_load ? 0 : start_load(l, err, n);
	if (ret < 0)
		goto restore_signals;
	ret = run_rows(l);
	if (ret < 0)
		goto stop;
	if (l->child_gone && l->child_tokens == 0 && l->sc->load_status != 0) {
		ret = -ECHILD;
		snprintf(err, n, "the load failed before making a token (exit status %d)",
			 l->sc->load_status);
	} else if (stop_flag) {
		ret = -EINTR;
		snprintf(err, n, "interrupted at %.0f s of board time", tp_plant_time(l->p));
	}
stop:
	/* the socket first: a client waiting for a reply sees the end at once */
	tp_pace_server_close(&l->srv);
	l->srv_open = 0;
	stop_child(&l->child);
	tp_loop_finish(&l->loop);
	score(l);
restore_signals:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return ret;
}

int tp_sim_closed_run(const struct tp_scenario *s, struct tp_plant *p, struct tp_chanset *set,
		      double *v, const struct tp_sim_closed_opts *o, struct tp_sim_score *sc,
		      char *err, size_t n)
{
	struct sim *l;
	int ret;

	memset(sc, 0, sizeof(*sc));
	sc->load_ended_s = NAN;
	sc->load_status = -1;
	stop_flag = 0;
	if (!(o->speed > 0)) {
		snprintf(err, n, "--speed must be > 0");
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l)); /* large: the pacer's marks */
	if (!l) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	l->s = s;
	l->p = p;
	l->set = set;
	l->v = v;
	l->o = o;
	l->sc = sc;
	l->speed = o->virtual_load ? 1 : o->speed;
	l->devnull = -1;
	tp_agent_init(&l->agent, NULL, NULL); /* none until sim_open opens it */
	ret = sim_open(l, err, n);
	if (ret == 0)
		ret = sim_run(l, err, n);
	stop_child(&l->child);
	tp_agent_close(&l->agent);
	tp_loop_close(&l->loop);
	if (l->srv_open)
		tp_pace_server_close(&l->srv);
	if (l->have_dir)
		rmdir(l->dir);
	if (l->devnull >= 0)
		close(l->devnull);
	tp_board_free(&l->b);
	free(l);
	return ret;
}

void tp_sim_score_print(FILE *f, const struct tp_sim_score *sc, int json)
{
	if (json) {
		json_t *o = json_object();
		char *text;

		json_object_set_new(o, "controller", json_string(sc->controller));
		tp_event_set_num(o, "speed", sc->speed);
		tp_event_set_num(o, "duration_s", sc->duration_s);
		tp_event_set_num(o, "wall_s", sc->wall_s);
		tp_event_set_num(o, "tokens", sc->tokens);
		tp_event_set_num(o, "child_tokens", sc->child_tokens);
		tp_event_set_num(o, "seconds_above_ceiling", sc->seconds_above_ceiling);
		tp_event_set_num(o, "overshoot_k", sc->overshoot_k);
		tp_event_set_num(o, "seconds_above_ceiling_in", sc->seconds_above_ceiling_in);
		tp_event_set_num(o, "overshoot_in_k", sc->overshoot_in_k);
		tp_event_set_num(o, "start_over_s", sc->start_over_s);
		tp_event_set_num(o, "peak_die_c", sc->peak_die_c);
		tp_event_set_num(o, "setpoint_c", sc->setpoint_c);
		tp_event_set_num(o, "ceiling_c", sc->ceiling_c);
		json_object_set_new(o, "kernel_throttles", json_integer(sc->kernel_throttles));
		tp_event_set_num(o, "throttled_s", sc->throttled_s);
		tp_event_set_num(o, "mean_rate_steady", sc->mean_rate_ss);
		tp_event_set_num(o, "sustainable_rate_steady", sc->sustainable_rate_ss);
		tp_event_set_num(o, "throughput_vs_sustainable", sc->throughput_vs_sustainable);
		tp_event_set_num(o, "energy_j", sc->energy_j);
		tp_event_set_num(o, "energy_true_j", sc->energy_true_j);
		tp_event_set_num(o, "energy_error_rel", sc->energy_error_rel);
		tp_event_set_num(o, "joules_per_token", sc->joules_per_token);
		json_object_set_new(o, "pace_changes", json_integer(sc->pace_changes));
		tp_event_set_num(o, "horizon_share", sc->horizon_share);
		tp_event_set_num(o, "late_s", sc->late_s);
		tp_event_set_num(o, "load_ended_s", sc->load_ended_s);
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		if (text)
			fprintf(f, "%s\n", text);
		free(text);
		json_decref(o);
		return;
	}
	fprintf(f,
		"controller                 %s\n"
		"board time                 %.0f s (speed %g, %.1f s of wall time)\n"
		"tokens generated           %.0f (the child made %.0f)\n"
		"seconds above the ceiling  %.1f s (ceiling %.1f C)\n"
		"overshoot over set point   %.2f K (set point %.1f C, peak die %.2f C)\n"
		"kernel throttles           %ld (%.0f s throttled)\n"
		"steady-state rate          %.3f tokens/s, sustainable %.3f: %.1f %%\n"
		"energy                     %.1f J accounted, %.1f J true (error %.3f %%), "
		"%.4f J/token\n"
		"decided by                 horizon %.0f %% of the ticks, pi %.0f %%\n",
		sc->controller, sc->duration_s, sc->speed, sc->wall_s, sc->tokens, sc->child_tokens,
		sc->seconds_above_ceiling, sc->ceiling_c, sc->overshoot_k, sc->setpoint_c,
		sc->peak_die_c, sc->kernel_throttles, sc->throttled_s, sc->mean_rate_ss,
		sc->sustainable_rate_ss, 100 * sc->throughput_vs_sustainable, sc->energy_j,
		sc->energy_true_j, 100 * sc->energy_error_rel, sc->joules_per_token,
		100 * sc->horizon_share,
		strcmp(sc->controller, "pi") == 0	 ? 100.0
		: strcmp(sc->controller, "horizon") == 0 ? 100 * (1 - sc->horizon_share)
							 : 0.0);
}
