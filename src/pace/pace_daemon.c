#include "pace_daemon_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "actuator.h"
#include "agent.h"
#include "board.h"
#include "event.h"
#include "metrics_http.h"
#include "pace_child.h"
#include "loop.h"
#include "pace_events.h"
#include "pace_server.h"
#include "pace_state.h"
#include "pace_tokens.h"
#include "pacer.h"
#include "brain/pipeline.h"
#include "session/audio_live.h"
#include "telemetry/telemetry.h"
#include "util.h"

#define MAX_POLL    (8 + TP_DAEMON_MAX_CLIENTS + TP_AGENT_CONNS + 1)
#define STOP_WAIT_S 10.0 /* after forwarding a signal, SIGKILL past this */

static volatile sig_atomic_t got_signal, got_child;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void on_child(int sig)
{
	(void)sig;
	got_child = 1;
}

void tp_daemon_opts_init(struct tp_daemon_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->root = "/";
	o->ceiling_c = NAN;
	o->actuator = TP_DAEMON_ACT_AUTO;
	o->controller = TP_GOV_HORIZON;
	o->interval_s = 1.0;
	o->duty_period_s = 0.5;
	o->auto_wait_s = 5.0;
	o->session_rotate_s = 86400;
	o->max_clients = 64;
	o->fixed_rate = NAN;
	o->fixed_setting = NAN;
	o->agent_hold_s = NAN;
	o->audio_channel = -1; /* DSP_CHANNEL_MIX */
	tp_pace_energy_opts_init(&o->energy);
}

static void hook_tokens(void *ctx, long n, double now)
{
	struct daemon *d = ctx;

	d->plant_tokens += (double)n * d->speed; /* the plant's demand (none without one) */
	tp_pacer_tokens(&d->loop.pacer, TP_TOK_SOCKET, (double)n * d->speed,
			tp_daemon_board_t(d, now));
}

static void hook_call(void *ctx, int begin, double now, const char *name)
{
	struct daemon *d = ctx;

	(void)name;
	tp_pacer_call_mark(&d->loop.pacer, begin, tp_daemon_board_t(d, now));
}

static void hook_client(void *ctx, int connected, const char *name, pid_t pid, double now)
{
	struct daemon *d = ctx;

	(void)name;
	(void)pid;
	(void)now;
	if (connected)
		d->clients_seen++;
}

static int load_board(struct daemon *d)
{
	char name[TP_INI_NAME_MAX], why[640];
	int ret;

	if (d->o->plant) { /* the simulator's profile, with its plant behind it */
		tp_strlcpy(d->board_id, d->o->plant->board, sizeof(d->board_id));
		ret = tp_board_load(&d->b, d->o->plant->board);
		d->have_board = 1;
		if (ret < 0)
			tp_err("%s", d->b.err);
		return ret < 0 ? ret : 0;
	}
	if (d->o->board) {
		tp_strlcpy(d->board_id, d->o->board, sizeof(d->board_id));
		ret = tp_board_load(&d->b, d->o->board);
	} else if (tp_board_detect(d->o->root, name, sizeof(name), why, sizeof(why)) == 0) {
		tp_strlcpy(d->board_id, name, sizeof(d->board_id));
		ret = tp_board_load(&d->b, name);
	} else {
		tp_err("cannot detect the board under '%s': give --board NAME", d->o->root);
		return -ENOENT;
	}
	d->have_board = 1;
	if (ret < 0) {
		tp_err("%s", d->b.err);
		return ret;
	}
	for (int i = 0; i < d->b.nrails; i++)
		if (strcmp(d->b.rails[i].source, "sim") == 0) {
			/* the simulator's profile on a real machine: no plant behind it */
			tp_err("warning: board '%s' is the simulator's profile ('thermpace sim'): "
			       "nothing simulates its channels here, so temperature and power "
			       "read as absent and pacing is blind; give the real board's "
			       "--board NAME",
			       d->b.name);
			break;
		}
	return 0;
}

/* The actuator the daemon will use now (auto starts on the socket). */
static int open_actuator(struct daemon *d, int kind)
{
	int ret;

	switch (kind) {
	case TP_ACT_CGROUP:
		ret = tp_act_cgroup_open(&d->act, &d->st, d->o->root, d->o->cgroup_base, d->cgroup,
					 d->target > 0 ? d->target : 0);
		break;
	case TP_ACT_CPUFREQ:
	case TP_ACT_DEVFREQ:
		ret = tp_act_clock_open(&d->act, (enum tp_act_kind)kind, &d->st, d->o->root, &d->b);
		break;
	case TP_ACT_SIGNAL:
		if (d->target > 0)
			ret = tp_act_signal_open(&d->act, &d->st, d->target,
						 getpgid(d->target) == d->target &&
						     getpgid(d->target) != getpgrp(),
						 d->o->duty_period_s);
		else
			ret = tp_act_signal_open(&d->act, &d->st, d->child.pid, 1,
						 d->o->duty_period_s);
		break;
	default:
		return 0; /* socket: nothing to open */
	}
	if (ret < 0) {
		tp_err("cannot use the %s actuator: %s", tp_act_kind_name((enum tp_act_kind)kind),
		       d->act.err[0] ? d->act.err : strerror(-ret));
		return ret;
	}
	d->have_act = 1;
	d->loop.pacer.act = &d->act;
	return 0;
}

/* auto: no cooperative client came; the first usable non-cooperative actuator. */
static void auto_switch(struct daemon *d)
{
	static const enum tp_act_kind order[] = {TP_ACT_CGROUP, TP_ACT_CPUFREQ, TP_ACT_SIGNAL};
	struct tp_act_probe p[TP_ACT_NKINDS];
	json_t *ev;
	size_t i;

	d->auto_done = 1;
	if (d->clients_seen > 0)
		return;
	tp_actuator_probe(d->o->root, &d->b, p, TP_ACT_NKINDS);
	for (i = 0; i < TP_ARRAY_LEN(order); i++) {
		if (!p[order[i]].usable)
			continue;
		if (order[i] == TP_ACT_CGROUP && d->cgroup == NULL && d->target <= 0 &&
		    !d->have_child)
			continue;
		if (open_actuator(d, order[i]) < 0)
			continue;
		if (order[i] == TP_ACT_CGROUP && !d->cgroup) {
			pid_t pid = d->target > 0 ? d->target : d->child.pid;

			if (tp_actuator_add_pid(&d->act, pid) < 0) {
				tp_err("%s", d->act.err);
				d->have_act = 0;
				d->loop.pacer.act = NULL;
				continue;
			}
		}
		ev = tp_event_new(tp_daemon_t(d), "actuator_choice");
		if (ev) {
			json_object_set_new(ev, "actuator",
					    json_string(tp_act_kind_name(order[i])));
			json_object_set_new(ev, "target", json_string(d->act.target));
			json_object_set_new(ev, "why",
					    json_string("no client came on the pacing socket"));
			tp_event_emit(&d->loop.log, ev);
		}
		return;
	}
}

/* The actuator asked for, once the process to govern is known. */
static int setup_actuator(struct daemon *d)
{
	int kind = d->o->actuator, ret;

	if (kind == TP_DAEMON_ACT_AUTO && d->cgroup)
		kind = TP_ACT_CGROUP;
	if (kind == TP_DAEMON_ACT_AUTO || kind == TP_ACT_SOCKET || d->have_act)
		return 0;
	ret = open_actuator(d, kind);
	if (ret < 0)
		return ret;
	if (kind == TP_ACT_CGROUP && !d->cgroup && d->target > 0) {
		ret = tp_actuator_add_pid(&d->act, d->target);
		if (ret < 0) {
			tp_err("%s", d->act.err);
			return ret;
		}
	}
	return 0;
}

/* ---- the loop ---- */

/*
 * The daemon's sources: telemetry, and the tokens llama-server's counters
 * gave since the last frame; then the auto actuator's choice, which must
 * see the clients counted so far.
 */
static void sample(void *ctx, double t, double *v, double now)
{
	struct daemon *d = ctx;
	int i;

	(void)now;
	for (i = 0; i < d->set.n; i++)
		v[i] = NAN;
	if (d->tel)
		tp_telemetry_sample(d->tel, v);
	if (d->o->plant) {
		d->o->plant->step(d->o->plant->ctx, t, d->plant_tokens, v);
		d->plant_tokens = 0;
	}
	if (d->have_energy)
		tp_pace_energy_sample(&d->energy, t, v);
	tp_pace_tokens_sample(&d->tok, t);
	if (d->o->actuator == TP_DAEMON_ACT_AUTO && !d->auto_done && !d->o->plant &&
	    t >= d->o->auto_wait_s)
		auto_switch(d);
}

static void tick(struct daemon *d)
{
	double now = tp_mono_now();

	tp_loop_tick(&d->loop, tp_daemon_board_t(d, now), d->v, now);
	if (d->have_srv)
		tp_pace_server_tick(&d->srv, now);
	if (d->session) {
		tp_pace_session_row(d->session, tp_daemon_board_t(d, now), d->v);
		if (now >= d->next_rotate)
			tp_daemon_rotate_session(d);
	}
	if (d->o->serve)
		tp_daemon_serve_status(d, 0);
}

/* 1 while what is governed still runs. */
static int target_alive(struct daemon *d)
{
	char procs[700], buf[64];

	if (d->have_child)
		return !d->child.reaped;
	if (d->target < 0)
		return 0; /* its pidfd said so */
	if (d->target > 0) {
		char stat[64], text[512], *p;

		/* a zombie has ended: its parent just has not reaped it yet */
		snprintf(stat, sizeof(stat), "/proc/%d/stat", (int)d->target);
		if (tp_read_text(stat, text, sizeof(text)) < 0)
			return 0;
		p = strrchr(text, ')');
		return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
	}
	if (d->cgroup) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", d->cgroup);
		return tp_read_text(procs, buf, sizeof(buf)) > 0;
	}
	return 1;
}

/* The agent check's answer from the tick just made. */
static void agent_tick(struct daemon *d)
{
	const struct tp_pacer *p = &d->loop.pacer;
	struct tp_agent_input in;
	double now = tp_mono_now();

	if (d->agent.fd < 0)
		return;
	/* serve --unit: a unit that does not run is an inference server gone */
	tp_agent_input_from(&in, p, d->v, target_alive(d) && !d->unit_waiting, now,
			    tp_daemon_board_t(d, now));
	in.server_down =
	    tp_pace_tokens_answering(&d->tok, in.server_why, sizeof(in.server_why)) == 0;
	tp_agent_decide(&d->agent, &in);
	if (!d->metrics)
		return;
	/* the pacer's frame again, with the agent's answer */
	if (d->a_weight < 0) {
		d->aset = p->mset;
		d->a_weight = tp_chanset_add(&d->aset, "state.agent_weight");
		d->a_state = tp_chanset_add(&d->aset, "state.agent_state");
		if (d->a_weight < 0 || d->a_state < 0)
			return;
	}
	memcpy(d->av, p->mv, sizeof(double) * (size_t)p->mset.n);
	d->av[d->a_weight] = d->agent.state == TP_AGENT_UP ? d->agent.weight / 100.0 : 0.0;
	d->av[d->a_state] = (double)d->agent.state;
	tp_metrics_update(d->metrics, &d->aset, d->av, tp_daemon_board_t(d, now));
}

static int loop(struct daemon *d, const sigset_t *unblocked)
{
	struct pollfd p[MAX_POLL];
	struct timespec ts;
	double now, due, wake;
	int n, nsrv, i_out, i_err, i_pid, i_aud, n_aud, i_agt, n_agt, r, stopping = 0;
	double stop_deadline = 0;

	d->next_tick = tp_mono_now();
	for (;;) {
		now = tp_mono_now();
		if (now >= d->next_tick) {
			tick(d);
			agent_tick(d);
			d->next_tick += d->o->interval_s / d->speed;
			if (d->next_tick < now) /* far behind: no burst of ticks */
				d->next_tick = now + d->o->interval_s / d->speed;
		}
		if (got_child && d->have_child) {
			got_child = 0;
			tp_child_reap(&d->child, 0);
		}
		if (got_signal == SIGHUP && d->o->serve) {
			got_signal = 0;
			if (tp_daemon_reload(d) == 0)
				return 1; /* restart on d->next */
		}
		if (d->o->serve && !stopping && tp_daemon_watch_unit(d))
			return 1;
		if (!d->o->serve && !target_alive(d) && d->out_rd < 0 && d->err_rd < 0)
			return 0;
		if (!target_alive(d) && d->have_child) {
			/* it ended: take what is left of its output, then go */
			if (stopping != 2) {
				stopping = 2;
				stop_deadline = tp_mono_now() + 2.0;
			}
		}
		if (got_signal && !stopping) {
			tp_strlcpy(d->stop_why, "signal", sizeof(d->stop_why));
			if (d->o->serve)
				tp_serve_notify_stopping(&d->notify,
							 "stopping: putting back what changed");
			stopping = 1;
			stop_deadline = tp_mono_now() + STOP_WAIT_S;
			/* put everything back first: a stopped child must run to end */
			tp_pace_state_restore(&d->st, stderr);
			d->loop.pacer.act = NULL;
			d->auto_done = 1;
			if (!d->have_child)
				return 0;
			kill(-d->child.pid, got_signal);
		}
		if (stopping && tp_mono_now() > stop_deadline) {
			if (stopping == 2)
				return 0; /* output still open (a grandchild holds it): leave */
			kill(-d->child.pid, SIGKILL);
			stop_deadline = tp_mono_now() + STOP_WAIT_S;
		}
		nsrv = d->have_srv ? tp_pace_server_pollfds(&d->srv, p, MAX_POLL - 4) : 0;
		n = nsrv;
		i_out = i_err = i_pid = -1;
		if (d->out_rd >= 0) {
			p[n].fd = d->out_rd;
			p[n].events = POLLIN;
			i_out = n++;
		}
		if (d->err_rd >= 0) {
			p[n].fd = d->err_rd;
			p[n].events = POLLIN;
			i_err = n++;
		}
		if (d->pidfd >= 0) {
			p[n].fd = d->pidfd;
			p[n].events = POLLIN;
			i_pid = n++;
		}
		i_agt = n;
		n_agt = tp_agent_pollfds(&d->agent, p + n, MAX_POLL - n);
		n += n_agt;
		due = d->next_tick;
		n_aud = tp_audio_live_pollfds(d->audio, p + n, MAX_POLL - n, &due);
		i_aud = n;
		n += n_aud;
		if (d->have_act && d->loop.pacer.act) {
			wake = tp_actuator_poll(&d->act, tp_mono_now());
			if (wake < due)
				due = wake;
		}
		if (d->o->serve)
			due = fmin(due, tp_serve_notify_poll(&d->notify, tp_mono_now()));
		if (stopping && stop_deadline < due)
			due = stop_deadline;
		wake = fmax(0.0, due - tp_mono_now());
		ts.tv_sec = (time_t)wake;
		ts.tv_nsec = (long)((wake - (double)ts.tv_sec) * 1e9);
		r = ppoll(p, (nfds_t)n, &ts, unblocked);
		if (r < 0 && errno != EINTR) {
			tp_err("poll failed: %s", strerror(errno));
			return -errno;
		}
		tp_audio_live_handle(d->audio, p + i_aud, r > 0 ? n_aud : 0);
		if (r <= 0)
			continue;
		if (nsrv > 0)
			tp_pace_server_handle(&d->srv, p, nsrv, tp_mono_now());
		tp_agent_handle(&d->agent, p + i_agt, n_agt, tp_mono_now());
		if (i_out >= 0 && p[i_out].revents)
			tp_daemon_pump(d, &d->out_rd, 1);
		if (i_err >= 0 && p[i_err].revents)
			tp_daemon_pump(d, &d->err_rd, 2);
		if (i_pid >= 0 && p[i_pid].revents) {
			close(d->pidfd);
			d->pidfd = -1;
			d->target = -d->target; /* gone */
		}
	}
}

static int setup_signals(sigset_t *unblocked)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	return sigprocmask(SIG_BLOCK, &block, unblocked) < 0 ? -errno : 0;
}

/* The board, the telemetry sources and the frame layout; the sinks the loop writes to. */
static int open_sources(struct daemon *d)
{
	const struct tp_daemon_opts *o = d->o;
	struct tp_pace_energy_opts eo;
	char err[1024];
	int ret;

	ret = load_board(d);
	if (ret < 0)
		return ret;
	tp_chanset_init(&d->set);
	if (o->plant)
		ret = o->plant->channels(o->plant->ctx, &d->set, err, sizeof(err));
	else
		ret = tp_telemetry_open(&d->tel, o->root, &d->b, &d->set, err, sizeof(err));
	if (ret < 0) {
		tp_err("%s", err);
		return ret;
	}
	eo = o->energy;
	eo.state_dir = o->state_dir;
	eo.board = d->b.name;
	/* a simulated board: this machine's batteries are not its */
	ret =
	    o->plant ? 1 : tp_pace_energy_open(&d->energy, &eo, o->root, &d->set, err, sizeof(err));
	if (ret < 0) {
		tp_err("%s", err);
		return ret;
	}
	d->have_energy = ret == 0;
	ret = tp_pacer_add_channels(&d->set);
	if (ret < 0) {
		tp_err("too many channels");
		return ret;
	}
	if (o->audio_device) {
		struct tp_audio_live_opts ao = {o->audio_device, o->audio_rate, o->audio_channel};

		ret = tp_audio_live_open(&d->audio, &ao, &d->set, d->t0, err, sizeof(err));
		if (ret < 0) {
			tp_err("audio: %s", err);
			return ret;
		}
		tp_pace_sound_load(d);
	}
	if (o->events) {
		/* a service appends: a restart or a reload keeps what came before */
		d->events_file = fopen(o->events, o->serve ? "ae" : "we");
		if (!d->events_file) {
			ret = -errno;
			tp_err("cannot create '%s': %s", o->events, strerror(errno));
			return ret;
		}
	}
	if (o->metrics || o->metrics_textfile) {
		ret = tp_metrics_open(&d->metrics, o->metrics, err, sizeof(err));
		if (ret == 0 && o->metrics_textfile)
			ret = tp_metrics_set_textfile(d->metrics, o->metrics_textfile, err,
						      sizeof(err));
		if (ret < 0) {
			tp_err("%s", err);
			return ret;
		}
	}
	return 0;
}

/* The state file and the pacing socket in the runtime directory. */
int tp_daemon_socket_path(const struct tp_daemon_opts *o, char *rt, size_t rn, char *out, size_t n)
{
	int ret = tp_pace_runtime_dir(rt, rn, o->runtime_dir);

	if (ret < 0)
		return ret;
	if (o->socket) {
		tp_strlcpy(out, o->socket, n);
		return 0;
	}
	return snprintf(out, n, "%s/%s", rt, TP_PACE_SOCKET_NAME) >= (int)n ? -ENAMETOOLONG : 0;
}

static int open_socket(struct daemon *d)
{
	const struct tp_daemon_opts *o = d->o;
	char rt[512];
	int ret;

	ret = tp_daemon_socket_path(o, rt, sizeof(rt), d->sock, sizeof(d->sock));
	if (ret == -ENAMETOOLONG) {
		tp_err("socket path too long: '%s/%s'", rt, TP_PACE_SOCKET_NAME);
		return ret;
	}
	if (ret == 0)
		ret = tp_pace_state_open(&d->st, rt);
	if (ret < 0) {
		tp_err("cannot write the state file in '%s': %s", rt, strerror(-ret));
		return ret;
	}
	d->have_state = 1;
	/* a reload on the same socket keeps it, and its clients, open */
	ret = d->have_srv ? 0 : tp_pace_server_open(&d->srv, d->sock, o->max_clients, 0660);
	if (ret < 0) {
		tp_err("cannot listen on '%s': %s%s", d->sock, strerror(-ret),
		       ret == -EADDRINUSE ? " (another thermpace daemon runs there)" : "");
		return ret;
	}
	d->have_srv = 1;
	d->srv.hooks.ctx = d;
	d->srv.hooks.tokens = hook_tokens;
	d->srv.hooks.call = hook_call;
	d->srv.hooks.client = hook_client;
	return 0;
}

static int open_all(struct daemon *d)
{
	const struct tp_daemon_opts *o = d->o;
	struct tp_pipeline_opts popts;
	struct tp_pacer_opts po;
	char err[1024];
	int ret;

	ret = open_sources(d);
	if (ret < 0)
		return ret;
	tp_pipeline_opts_init(&popts);
	popts.ceiling_c = o->ceiling_c;
	ret = tp_daemon_open_session(d);
	if (ret < 0)
		return ret;
	ret = tp_loop_open(&d->loop, &d->b, &d->set, &popts, d->events_sink, d->metrics, err,
			   sizeof(err));
	if (ret < 0) {
		tp_err("%s", err);
		return ret;
	}
	d->loop.source.sample = sample;
	d->loop.source.ctx = d;
	d->loop.audio = tp_audio_live_agg(d->audio);
	tp_audio_live_set_log(d->audio, &d->loop.log);
	ret = open_socket(d);
	if (ret < 0)
		return ret;
	tp_pacer_opts_init(&po);
	po.controller = o->controller;
	po.ceiling_c = o->ceiling_c;
	po.fixed_rate = o->fixed_rate;
	po.fixed_setting = o->fixed_setting;
	if (o->plant) {
		po.rate_cap = o->plant->rate_cap; /* the board cannot make more */
		po.tokens_from_frame = 1;	  /* the plant's count, as a meter gives it */
	}
	ret = tp_loop_pacer(&d->loop, &po, &d->b, &d->set, &d->srv, NULL, d->metrics);
	if (ret < 0) {
		tp_err("cannot set up the pacer: %s", strerror(-ret));
		return ret;
	}
	if (d->have_energy)
		d->loop.pacer.ebudget = &d->energy;
	/* run: the cgroup exists before the child, which enters it before exec */
	if (o->argv && o->actuator == TP_ACT_CGROUP) {
		ret = open_actuator(d, TP_ACT_CGROUP);
		if (ret < 0)
			return ret;
	}
	tp_pace_tokens_init(&d->tok, &d->loop.pacer);
	if (o->agent) {
		struct tp_agent_opts ao;

		tp_agent_opts_init(&ao);
		if (isfinite(o->agent_hold_s))
			ao.hold_s = o->agent_hold_s;
		ret = tp_agent_open(&d->agent, o->agent, &ao, &d->loop.log, err, sizeof(err));
		if (ret < 0) {
			tp_err("%s", err);
			return ret;
		}
	}
	if (!o->llama_server)
		return 0;
	return tp_pace_tokens_scrape(&d->tok, o->llama_server, o->plant ? 1.0 : o->interval_s,
				     o->argv != NULL, tp_daemon_t(d));
}

static void close_all(struct daemon *d)
{
	tp_pace_tokens_close(&d->tok);
	tp_agent_close(&d->agent);
	if (d->have_srv)
		if (!d->keep_srv)
			tp_pace_server_close(&d->srv);
	if (d->have_act)
		tp_actuator_close(&d->act);
	if (d->have_state) {
		tp_pace_state_restore(&d->st, stderr);
		tp_pace_state_close(&d->st);
	}
	tp_daemon_take_terminal(d);
	tp_loop_close(&d->loop);
	if (d->events_sink && d->events_sink != d->events_file)
		fclose(d->events_sink); /* the tee */
	tp_pace_session_close(d->session, d->stop_why[0] ? d->stop_why : "end");
	if (d->events_file)
		fclose(d->events_file);
	tp_metrics_close(d->metrics);
	if (d->tel)
		tp_telemetry_close(d->tel);
	tp_pace_energy_close(&d->energy);
	tp_pace_sound_save(d);
	tp_audio_live_close(d->audio);
	if (d->out_rd >= 0)
		close(d->out_rd);
	if (d->err_rd >= 0)
		close(d->err_rd);
	if (d->pidfd >= 0)
		close(d->pidfd);
	if (d->have_board)
		tp_board_free(&d->b);
}

/* attach and serve: the process to watch, and the guardian (run starts it with the child). */
static int attach_target(struct daemon *d)
{
	int ret;

	if (d->o->attach_pid > 0) {
		d->target = d->o->attach_pid;
		if (kill(d->target, 0) < 0 && errno == ESRCH) {
			tp_err("%s: no process %d", d->o->serve ? "serve" : "attach",
			       (int)d->target);
			return -ESRCH;
		}
#ifdef SYS_pidfd_open
		d->pidfd = (int)syscall(SYS_pidfd_open, d->target, 0);
#endif
		/* a one-shot llama.cpp: its write calls feed the rate feedback */
		if (!d->o->serve)
			tp_pace_tokens_attach(&d->tok, (int)d->target);
	}
	if (d->o->no_guard)
		return 0;
	ret = tp_pace_state_guard(&d->st, -1, -1);
	if (ret < 0)
		tp_err("cannot start the guardian process: %s", strerror(-ret));
	return ret;
}

static int daemon_run(struct daemon *d, const struct tp_daemon_opts *o)
{
	sigset_t unblocked;
	char line[512];
	int ret, status = 1;

	d->o = o;
	d->out_rd = d->err_rd = d->pidfd = -1;
	tp_agent_init(&d->agent, NULL, NULL); /* none until --agent opens it */
	d->a_weight = d->a_state = -1;
	if (setup_signals(&unblocked) < 0) {
		tp_err("cannot set up signal handling: %s", strerror(errno));
		return 1;
	}
	d->t0 = tp_mono_now();
	d->speed = o->plant ? o->plant->speed : 1.0;
	tp_serve_notify_init(&d->notify, d->t0);
	ret = tp_daemon_find_target(d);
	if (ret == 0)
		ret = open_all(d);
	if (ret < 0)
		goto out;
	if (o->argv) {
		ret = tp_daemon_start_child(d);
		if (ret < 0) {
			status = (ret == -ENOENT) ? 127 : (ret == -EACCES) ? 126 : 1;
			goto out;
		}
	} else if (attach_target(d) < 0) {
		goto out;
	}
	ret = setup_actuator(d);
	if (ret < 0)
		goto out;
	if (o->serve)
		tp_daemon_serve_status(d, 1); /* READY=1 */
	d->running = 1;
	ret = loop(d, &unblocked);
	if (d->have_child) {
		tp_child_reap(&d->child, 1);
		status = tp_child_exit_code(&d->child);
	} else {
		status = ret < 0 ? 1 : 0;
	}
	tp_pace_state_restore(&d->st, stderr);
	d->loop.pacer.act = NULL; /* the last frame changes nothing any more */
	d->auto_done = 1;
	tick(d);
	tp_loop_finish(&d->loop);
	if (!d->o->json_summary ||
	    tp_pacer_summary_json(&d->loop.pacer, tp_loop_events(&d->loop, "kernel_throttle"), line,
				  sizeof(line)) < 0)
		tp_pacer_summary(&d->loop.pacer, tp_loop_events(&d->loop, "kernel_throttle"), line,
				 sizeof(line));
	close_all(d);
	fprintf(stderr, "%s\n", line);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	return status;
out:
	if (d->have_child && !d->child.reaped) {
		kill(-d->child.pid, SIGKILL);
		tp_child_reap(&d->child, 1);
	}
	close_all(d);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	return status;
}

int tp_daemon_main(const struct tp_daemon_opts *o)
{
	struct daemon *d = calloc(1, sizeof(*d)); /* large: not on the stack */
	const struct tp_daemon_opts *prev = NULL; /* serve: what ran before a reload */
	struct tp_pace_server srv;
	int status, keep;

	if (!d) {
		tp_err("cannot start: %s", strerror(ENOMEM));
		return 1;
	}
	got_signal = got_child = 0; /* once: one that comes during a reload is kept */
	for (;;) {
		status = daemon_run(d, o);
		if (status != 0 && prev && !d->running) {
			/* the new options did not start (a board that does not load...) */
			tp_err(
			    "reload: the new configuration did not start; back to the one before");
			o = prev;
			prev = NULL;
			memset(d, 0, sizeof(*d));
			continue;
		}
		if (!d->next || status != 0)
			break;
		prev = o;
		o = d->next; /* serve: SIGHUP gave a new configuration */
		keep = d->keep_srv;
		if (keep)
			srv = d->srv;
		memset(d, 0, sizeof(*d));
		if (keep) { /* the same socket: its clients stay connected */
			d->srv = srv;
			d->have_srv = 1;
		}
	}
	free(d);
	return status;
}
