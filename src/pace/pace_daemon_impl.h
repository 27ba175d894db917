#ifndef THERMPACE_PACE_DAEMON_IMPL_H
#define THERMPACE_PACE_DAEMON_IMPL_H

/*
 * The daemon's state, private to src/pace/pace_daemon*.c: the core and its
 * loop (pace_daemon.c), the child of `run` and its output
 * (pace_daemon_child.c), and what `serve` adds (pace_serve.c: a unit's
 * cgroup, systemd's notifications) with the session a run or a service
 * records (pace_session.c).
 */

#include <stdio.h>
#include <sys/types.h>

#include "actuator.h"
#include "agent.h"
#include "board.h"
#include "loop.h"
#include "metrics_http.h"
#include "pace_child.h"
#include "pace_daemon.h"
#include "pace_energy.h"
#include "pace_server.h"
#include "pace_session.h"
#include "pace_state.h"
#include "pace_tokens.h"
#include "pace_serve.h"
#include "session/audio_live.h"
#include "telemetry/telemetry.h"
#include "util.h"

struct daemon {
	const struct tp_daemon_opts *o;
	struct tp_board b;
	int have_board;
	struct tp_telemetry *tel;
	struct tp_audio_live *audio; /* NULL without --device */
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	struct tp_loop loop;	      /* events, pipeline, pacer */
	struct tp_pace_energy energy; /* the energy budget's sources */
	int have_energy;
	FILE *events_file; /* --events */
	FILE *events_sink; /* what the loop writes to: events_file, the session's or both */
	struct tp_pace_session *session; /* run --session, serve --session-dir; NULL: none */
	struct tp_pace_tee *tee;	 /* with a session: the sink's second stream */
	double next_rotate;		 /* serve: the next session (INFINITY: none) */
	struct tp_metrics *metrics;
	struct tp_pace_state st;
	int have_state;
	struct tp_pace_server srv;
	int have_srv;
	int keep_srv; /* a reload on the same socket: close_all leaves it open */
	int running;  /* set up whole: the loop began */
	struct tp_actuator act;
	int have_act;
	struct tp_child child;
	int have_child;
	int out_rd, err_rd; /* the child's stdout / stderr pipes, -1 when closed */
	struct tp_pace_tokens tok;
	struct tp_agent agent;	/* --agent; fd -1: none */
	struct tp_chanset aset; /* /metrics with --agent: the pacer's frame and the agent's */
	double av[TP_MAX_CHANNELS];
	int a_weight, a_state; /* their indexes in aset, -1 before the first */
	int tty_handed;	       /* the terminal was given to the child's group */
	pid_t target;	       /* attach --pid */
	int pidfd;
	const char *cgroup;	/* the governed cgroup (--cgroup, --unit's), NULL: none */
	char unit_cgroup[4096]; /* --unit's, resolved */
	int unit_waiting;	/* --unit's does not run (yet) */
	double next_unit_check;
	struct tp_serve_notify notify;
	double next_status; /* serve: the next STATUS= line */
	char stop_why[32];  /* the session's end: signal, reload, end */
	char board_id[64];  /* the profile as loaded (a name or a path): the session's board */
	const struct tp_daemon_opts *next; /* serve: the options a SIGHUP reload gave */
	double t0, next_tick, start;
	double speed;	     /* board seconds per wall second: 1, or the plant's */
	double plant_tokens; /* board tokens on the socket since the plant's last step */
	long clients_seen;
	int auto_done;
	char sock[108];
};

/* Board seconds since the daemon started at wall time now (the session's time). */
static inline double tp_daemon_board_t(const struct daemon *d, double now)
{
	return (now - d->t0) * d->speed;
}

/* Board seconds since the daemon started, now. */
static inline double tp_daemon_t(const struct daemon *d)
{
	return tp_daemon_board_t(d, tp_mono_now());
}

/*
 * The session (run --session, serve --session-dir), once the frame layout
 * is known; events_sink set to what the loop writes events to.
 */
int tp_daemon_open_session(struct daemon *d);

/* The runtime directory into rt[rn] and the pacing socket's path into out[n]. */
int tp_daemon_socket_path(const struct tp_daemon_opts *o, char *rt, size_t rn, char *out, size_t n);

/* serve: the session closed and a new one opened (the old kept when that fails). */
void tp_daemon_rotate_session(struct daemon *d);

/*
 * cgroup from --cgroup or --unit's (said on stderr); a unit that does not
 * run is waited for (serve goes on with its socket); a negative errno
 * after a message.
 */
int tp_daemon_find_target(struct daemon *d);

/*
 * serve --unit, once a second: 1 (d->next set to the same options) when
 * the unit started or stopped, for the daemon to restart on it, else 0.
 */
int tp_daemon_watch_unit(struct daemon *d);

/* serve: STATUS= every 5 s; ready: READY=1 with it now. */
void tp_daemon_serve_status(struct daemon *d, int ready);

/* serve, on SIGHUP: 0 and d->next to restart on, or < 0 keeping what runs (said). */
int tp_daemon_reload(struct daemon *d);

/* run: starts the command (pace_daemon_child.c); a negative errno after a message. */
int tp_daemon_start_child(struct daemon *d);

/* The child's output on *fd passed to `to` untouched, parsed on the way; *fd -1 at its end. */
void tp_daemon_pump(struct daemon *d, int *fd, int to);

/* The terminal back from the child's group (when it was handed over). */
void tp_daemon_take_terminal(struct daemon *d);

/*
 * The sound model of the board's audio (pace_sound.c): read from
 * STATE/BOARD.sound.ini once the audio is open (a bad one: one warning,
 * learning starts afresh), written there when the audio closes after it
 * learned something, with a line saying how many seconds it learned and
 * when it first judged one.
 */
void tp_pace_sound_load(struct daemon *d);
void tp_pace_sound_save(struct daemon *d);

#endif
