#ifndef THERMPACE_PACE_DAEMON_H
#define THERMPACE_PACE_DAEMON_H

/*
 * The daemon behind `thermpace run`, `attach` and `serve` (docs/pacing.md,
 * docs/service.md):
 * telemetry sources, live audio (session/audio_live.h), the pipeline, the
 * pacer and its actuator, the cooperative socket, token counting (socket,
 * llama-cli's output, llama-server's /metrics), the /metrics exporter and
 * the event log, in one poll() loop. Whatever it changes is recorded in the runtime directory's
 * state file first and restored on every exit it can catch; a guardian
 * process restores it when the daemon is killed.
 */

#include <sys/types.h>

#include "governor.h"
#include "channel.h"
#include "pace_energy.h"

#define TP_DAEMON_MAX_CLIENTS 256 /* pacing socket clients at most */

enum tp_daemon_actuator {
	TP_DAEMON_ACT_AUTO = -1, /* socket; a non-cooperative one if no client comes */
				 /* else an enum tp_act_kind */
};

/*
 * A simulated plant in place of sysfs (serve --scenario: the plant is
 * src/sim/'s, reached through these hooks). The board runs speed times the
 * wall clock: the loop's time, the tick (--interval counts board seconds),
 * the events and /metrics are board time; the pacing socket, the agent
 * check and llama-server's scrape (once a wall second) stay on wall time.
 * A client's token on the socket is speed board tokens, as in `sim`.
 */
struct tp_daemon_plant {
	double speed;	   /* board seconds per wall second (> 0) */
	const char *board; /* the profile the plant simulates */
	double rate_cap;   /* tokens/s the board can make at most */
	/* the plant's channels into set (empty); < 0 with err[n] said */
	int (*channels)(void *ctx, struct tp_chanset *set, char *err, size_t n);
	/*
	 * Each frame: the plant to board time t (since this start of the
	 * daemon: a reload starts at 0 again) on tokens (board tokens since
	 * the last step), then its sample into v.
	 */
	void (*step)(void *ctx, double t, double tokens, double *v);
	void *ctx;
};

struct tp_daemon_opts {
	const char *root;  /* "/" live */
	const char *board; /* NULL: detected */
	double ceiling_c;  /* NaN: the board's */
	int actuator;	   /* enum tp_act_kind or TP_DAEMON_ACT_AUTO */
	enum tp_gov_kind controller;
	const char *metrics;	      /* ADDR:PORT, NULL: none */
	const char *agent;	      /* HAProxy agent check on ADDR:PORT (agent.h), NULL: none */
	double agent_hold_s;	      /* its hold time (NaN: agent.h's default) */
	const char *metrics_textfile; /* DIR for node_exporter's textfile collector, NULL: none */
	const char *events;	      /* events.jsonl path, NULL: none */
	const char *runtime_dir;      /* NULL: tp_pace_runtime_dir's default */
	const char *socket;	      /* NULL: RUNTIME/pace.sock */
	const char *llama_server;     /* /metrics URL of a llama-server, NULL: none */
	const char *cgroup_base;      /* where the cgroup actuator makes its group, NULL: v1 cpu */
	double interval_s;	      /* tick */
	double duty_period_s;	      /* signal actuator's period */
	double auto_wait_s;	      /* auto: how long to wait for a cooperative client */
	int max_clients;
	double fixed_rate;    /* tests: a fixed granted rate (NaN: the governor's) */
	double fixed_setting; /* tests: a fixed actuator setting (NaN: the governor's) */
	int no_guard;	      /* tests: no guardian process */
	/* live audio (the contact microphone): ALSA PCM, NULL: none */
	const char *audio_device;
	unsigned audio_rate; /* Hz, 48000 when 0 */
	int audio_channel;   /* 0-based channel or DSP_CHANNEL_MIX (the default) */
	const char *model;   /* --model FILE as given (tp_board_use_model is the CLI's) */
	const char
	    *state_dir; /* saved models (the sound model: STATE/BOARD.sound.ini), NULL: none */
	/* run: the command; attach and serve: pid, cgroup or (serve) a systemd unit */
	char *const *argv;
	pid_t attach_pid;
	const char *attach_cgroup;
	const char *unit;	 /* a systemd unit whose cgroup is governed */
	const char *session;	 /* run: record the run as a session there (a new directory) */
	const char *session_dir; /* serve: a new session under it at each start */
	double session_rotate_s; /* serve: and a new one this often (0: never) */
	/*
	 * serve: no child; runs until SIGTERM or SIGINT, what it changed put
	 * back. On SIGHUP, reload (when not NULL) reads the configuration
	 * again: 0 and *next (kept valid while the daemon runs on it, and cur
	 * too until the next call) restart the daemon inside the process on
	 * the new options, or on cur again when they fail to start; < 0 keeps
	 * cur (reload said why).
	 */
	int serve;
	int json_summary;		     /* the closing summary as one JSON object */
	const struct tp_daemon_plant *plant; /* NULL: the board under root */
	/* the energy budget (pace_energy.h): on where a battery or a UPS is found */
	struct tp_pace_energy_opts energy;
	int (*reload)(void *ctx, const struct tp_daemon_opts *cur,
		      const struct tp_daemon_opts **next);
	void *reload_ctx;
};

void tp_daemon_opts_init(struct tp_daemon_opts *o);

/*
 * Runs until the command (run) or the process / cgroup (attach) ends, or a
 * signal. Returns the exit status: the command's for run (128 + signal when
 * a signal killed it, 127/126 when it could not be started), 0 for attach,
 * 1 on a failure (said on stderr).
 */
int tp_daemon_main(const struct tp_daemon_opts *o);

#endif
