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
#include "pace/pace_events.h"
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

struct loop {
	struct tp_pacer pacer;
	struct tp_pace_server srv;
	double wall0, speed;
	double child_tokens;
};

static double board_time(const struct loop *l, double now)
{
	return (now - l->wall0) * l->speed;
}

static void hook_tokens(void *ctx, long n, double now)
{
	struct loop *l = ctx;

	l->child_tokens += (double)n;
	tp_pacer_tokens(&l->pacer, TP_TOK_SOCKET, (double)n * l->speed, board_time(l, now));
}

static void hook_call(void *ctx, int begin, double now, const char *name)
{
	struct loop *l = ctx;

	(void)name;
	tp_pacer_call_mark(&l->pacer, begin, board_time(l, now));
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
static void serve_until(struct loop *l, struct tp_child *c, double deadline)
{
	struct pollfd p[MAX_POLL];
	double now;
	int n, ms;

	for (;;) {
		now = tp_mono_now();
		if (now >= deadline || stop_flag)
			return;
		n = tp_pace_server_pollfds(&l->srv, p, MAX_POLL);
		ms = (int)ceil((deadline - now) * 1e3);
		if (c->reaped || ms < 20)
			ms = ms > 0 ? ms : 0;
		else
			ms = 20; /* look at the child now and then */
		if (poll(p, (nfds_t)n, ms) > 0)
			tp_pace_server_handle(&l->srv, p, n, tp_mono_now());
		if (!c->reaped)
			tp_child_reap(c, 0);
	}
}

static void progress(const struct tp_sim_closed_opts *o, const struct loop *l,
		     const struct tp_plant *p, struct tp_pipeline *pl, double t, double setpoint)
{
	const struct tp_forecast *f = tp_pipeline_forecast(pl);

	fprintf(o->progress,
		"sim: t %6.0f s  die %5.1f C  forecast %5.1f C in 600 s  granted %5.2f  made %5.2f "
		"tokens/s  sustainable %5.2f  %5.3f J/token\n",
		t, tp_plant_die_c(p), f->valid ? f->temp_600s : NAN,
		tp_pacer_granted(&l->pacer) < 0 ? INFINITY : tp_pacer_granted(&l->pacer),
		tp_plant_rate(p), tp_plant_sustainable_rate(p, setpoint),
		l->pacer.tokens > 0 ? tp_pacer_energy_j(&l->pacer) / l->pacer.tokens : NAN);
	fflush(o->progress);
}

int tp_sim_closed_run(const struct tp_scenario *s, struct tp_plant *p, struct tp_chanset *set,
		      double *v, const struct tp_sim_closed_opts *o, struct tp_sim_score *sc,
		      char *err, size_t n)
{
	static struct loop l; /* large */
	struct tp_board b;
	struct tp_pipeline *pl = NULL;
	struct tp_pace_events evs;
	struct tp_eventlog log;
	struct tp_pacer_opts po;
	struct tp_child child;
	struct tp_child_opts co;
	struct sigaction sa, old_int, old_term;
	FILE *evf = NULL;
	char dir[] = "/tmp/thermpace-sim-XXXXXX", sock[64], loadgen[PATH_MAX];
	static char sh[] = "/bin/sh", dash_c[] = "-c", coop[] = "--cooperative",
		    tokens[] = "--tokens", zero[] = "0", quiet[] = "--quiet", name[] = "--name",
		    sim_load[] = "sim-load";
	char *argv_sh[] = {sh, dash_c, NULL, NULL};
	char *argv_lg[] = {loadgen, coop, tokens, zero, quiet, name, sim_load, NULL};
	double setpoint, t_row, h, t0, tok0, backlog = 0, dropped = 0, gen, demand, ss_start;
	double ss_tok = 0, ss_sus = 0, backlog_max;
	long k, nrows;
	int ret, devnull = -1, cool_prev = 0, child_gone = 0, have_dir = 0, srv_open = 0;

	memset(sc, 0, sizeof(*sc));
	sc->load_ended_s = NAN;
	sc->load_status = -1;
	memset(&child, 0, sizeof(child));
	memset(&l, 0, sizeof(l));
	memset(&b, 0, sizeof(b));
	stop_flag = 0;
	if (!(o->speed > 0)) {
		snprintf(err, n, "--speed must be > 0");
		return -EINVAL;
	}
	l.speed = o->speed;
	ret = tp_board_load(&b, s->board);
	if (ret < 0) {
		snprintf(err, n, "cannot load board '%s': %s", s->board, b.err);
		goto out;
	}
	setpoint = b.ceiling_c - (b.margin_c > 0 ? b.margin_c : 3);
	ret = tp_pacer_add_channels(set);
	if (ret < 0) {
		snprintf(err, n, "too many channels");
		goto out;
	}
	evf = tp_pace_events_open(&evs, o->events, NULL);
	if (!evf) {
		ret = -errno;
		snprintf(err, n, "cannot set up the event stream: %s", strerror(errno));
		goto out;
	}
	tp_eventlog_init(&log, evf, 1);
	tp_pace_events_attach(&evs, &log);
	ret = tp_pipeline_open(&pl, &b, set, NULL, &log, err, n);
	if (ret < 0)
		goto out;
	if (!mkdtemp(dir)) {
		ret = -errno;
		snprintf(err, n, "cannot create a runtime directory in /tmp: %s", strerror(errno));
		goto out;
	}
	have_dir = 1;
	snprintf(sock, sizeof(sock), "%s/pace.sock", dir);
	ret = tp_pace_server_open(&l.srv, sock, 16, 0660);
	if (ret < 0) {
		snprintf(err, n, "cannot listen on '%s': %s", sock, strerror(-ret));
		goto out;
	}
	srv_open = 1;
	l.srv.hooks.ctx = &l;
	l.srv.hooks.tokens = hook_tokens;
	l.srv.hooks.call = hook_call;
	tp_pacer_opts_init(&po);
	po.controller = o->controller;
	po.rate_cap = s->max_rate; /* the board cannot make more: never "unlimited" */
	po.tokens_from_frame = 1;  /* the board's count, as a meter would give it */
	ret = tp_pacer_init(&l.pacer, &po, &b, set, pl, &log, &l.srv, NULL, NULL);
	if (ret < 0) {
		snprintf(err, n, "cannot set up the pacer: %s", strerror(-ret));
		goto out;
	}
	memset(&co, 0, sizeof(co));
	if (o->load) {
		argv_sh[2] = (char *)(uintptr_t)o->load; /* execv's prototype is not const */
		co.argv = argv_sh;
	} else {
		if (default_load(loadgen, sizeof(loadgen)) < 0) {
			ret = -ENOENT;
			snprintf(err, n,
				 "thermpace-loadgen not found beside this program: give --load");
			goto out;
		}
		co.argv = argv_lg;
	}
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	co.socket_path = sock;
	co.out_fd = devnull;
	co.err_fd = o->load ? -1 : devnull; /* a user's load may have something to say */
	co.null_stdin = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	ret = tp_child_spawn(&child, &co);
	if (ret == 0)
		ret = tp_child_release(&child);
	if (ret < 0) {
		snprintf(err, n, "cannot run the load '%s': %s", o->load ? o->load : loadgen,
			 strerror(-ret));
		goto restore_signals;
	}
	/* t = 0: the first frame and the first grant */
	nrows = (long)floor(s->duration_s / s->interval_s + 1e-9);
	/* room for two child tokens, or the board's full rate over two smoothing times */
	backlog_max = fmax(2 * s->max_rate * SIM_CLOSED_SMOOTH_S, 2 * l.speed);
	ss_start = s->duration_s * 2.0 / 3.0;
	l.wall0 = tp_mono_now();
	tp_frame_clear(v, set->n);
	tp_plant_sample(p, v);
	tp_pacer_tick(&l.pacer, 0, v, l.wall0);
	if (o->row && (ret = o->row(o->row_ctx, 0, v)) < 0)
		goto stop;
	sc->peak_die_c = tp_plant_die_c(p);
	for (k = 1; k <= nrows && !stop_flag; k++) {
		t_row = (double)k * s->interval_s;
		serve_until(&l, &child, l.wall0 + t_row / l.speed);
		if (child.reaped && !child_gone) {
			child_gone = 1;
			sc->load_ended_s = t_row;
			sc->load_status = tp_child_exit_code(&child);
			if (l.child_tokens == 0 && sc->load_status != 0)
				break; /* it failed: nothing to simulate */
				       /* it finished: the board idles to the end */
		}
		sc->late_s = fmax(sc->late_s, tp_mono_now() - (l.wall0 + t_row / l.speed));
		/* the child's tokens since the last row, smoothed into the plant's demand */
		backlog = l.child_tokens * l.speed - tp_plant_tokens(p) - dropped;
		if (backlog > backlog_max) {
			/* made faster than the (throttled) board could: not carried forever */
			dropped += backlog - backlog_max;
			backlog = backlog_max;
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
			if (tp_plant_die_c(p) > b.ceiling_c)
				sc->seconds_above_ceiling += h;
			sc->overshoot_k = fmax(sc->overshoot_k, tp_plant_die_c(p) - setpoint);
			sc->peak_die_c = fmax(sc->peak_die_c, tp_plant_die_c(p));
			if (tp_plant_cool_state(p) > 0) {
				sc->throttled_s += h;
				if (cool_prev == 0)
					sc->kernel_throttles++;
			}
			cool_prev = tp_plant_cool_state(p);
			if (t0 >= ss_start - 1e-9) {
				ss_tok += gen;
				ss_sus += tp_plant_sustainable_rate(p, setpoint) * h;
			}
		}
		tp_plant_sample(p, v);
		tp_pacer_tick(&l.pacer, t_row, v, tp_mono_now());
		tp_pace_server_tick(&l.srv, tp_mono_now());
		if (o->row && (ret = o->row(o->row_ctx, t_row, v)) < 0)
			goto stop;
		if (o->progress && o->progress_s > 0 &&
		    fmod(t_row + 1e-9, o->progress_s) < s->interval_s - 1e-9 + 1e-9)
			progress(o, &l, p, pl, t_row, setpoint);
	}
	if (child_gone && l.child_tokens == 0 && sc->load_status != 0) {
		ret = -ECHILD;
		snprintf(err, n, "the load failed before making a token (exit status %d)",
			 sc->load_status);
	} else if (stop_flag) {
		ret = -EINTR;
		snprintf(err, n, "interrupted at %.0f s of board time", tp_plant_time(p));
	}
stop:
	/* the socket first: a client waiting for a reply sees the end at once */
	tp_pace_server_close(&l.srv);
	srv_open = 0;
	stop_child(&child);
	tp_pacer_finish(&l.pacer);
	sc->controller = tp_gov_kind_name(o->controller);
	sc->speed = l.speed;
	sc->duration_s = tp_plant_time(p);
	sc->wall_s = tp_mono_now() - l.wall0;
	sc->tokens = tp_plant_tokens(p);
	sc->child_tokens = l.child_tokens;
	sc->setpoint_c = setpoint;
	sc->ceiling_c = b.ceiling_c;
	sc->mean_rate_ss = sc->duration_s > ss_start ? ss_tok / (sc->duration_s - ss_start) : NAN;
	sc->sustainable_rate_ss =
	    sc->duration_s > ss_start ? ss_sus / (sc->duration_s - ss_start) : NAN;
	sc->throughput_vs_sustainable = ss_sus > 0 ? ss_tok / ss_sus : NAN;
	sc->energy_j = tp_pacer_energy_j(&l.pacer);
	sc->energy_true_j = tp_plant_energy_j(p);
	sc->energy_error_rel = sc->energy_true_j > 0
				   ? fabs(sc->energy_j - sc->energy_true_j) / sc->energy_true_j
				   : NAN;
	sc->joules_per_token = sc->tokens > 0 ? sc->energy_true_j / sc->tokens : NAN;
	sc->pace_changes = tp_pace_events_count(&evs, "pace_change");
	{
		const long *m = l.pacer.mode_ticks;
		long all = m[0] + m[1] + m[2] + m[3];

		sc->horizon_share = all > 0 ? (double)m[TP_GOV_HORIZON] / (double)all : NAN;
	}
restore_signals:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	stop_child(&child);
	tp_pipeline_close(pl);
	if (evf)
		fclose(evf);
	if (srv_open)
		tp_pace_server_close(&l.srv);
	if (have_dir)
		rmdir(dir);
	if (devnull >= 0)
		close(devnull);
	tp_board_free(&b);
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
		sc->controller && strcmp(sc->controller, "pi") == 0 ? 100.0
		: strcmp(sc->controller, "horizon") == 0	    ? 100 * (1 - sc->horizon_share)
								    : 0.0);
}
