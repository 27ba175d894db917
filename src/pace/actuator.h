#ifndef THERMPACE_ACTUATOR_H
#define THERMPACE_ACTUATOR_H

/*
 * Actuators: how a power budget reaches the inference process.
 *
 *   socket   cooperative: the process asks before each token (pace_server.h);
 *            the budget becomes a token rate. Needs the process's help.
 *   cgroup   CPU bandwidth: v2 cpu.max or v1 cpu.cfs_quota_us, on a cgroup the
 *            daemon creates for the child (run) or one given (attach).
 *   cpufreq  scaling_max_freq of the board's CPU policies (kHz).
 *   devfreq  max_freq of the board's devfreq devices (Hz), e.g. a Jetson GPU.
 *   signal   SIGSTOP/SIGCONT duty cycling of the process (group).
 *
 * The non-cooperative ones take a setting s in [s_min, 1] (1: no cap: the
 * quota fraction, the frequency fraction of the range, the duty cycle); the
 * power budget is turned into s by a map learned online from measured power
 * (tp_power_map). Every change is recorded in the state file first
 * (pace_state.h), which is also how it is undone: tp_pace_state_restore.
 * Paths are below a root directory ("/" live, a fixture tree in tests).
 */

#include <sys/types.h>

#include "board.h"
#include "pace_state.h"

enum tp_act_kind {
	TP_ACT_SOCKET = 0,
	TP_ACT_CGROUP,
	TP_ACT_CPUFREQ,
	TP_ACT_DEVFREQ,
	TP_ACT_SIGNAL,
	TP_ACT_NKINDS,
};

const char *tp_act_kind_name(enum tp_act_kind kind);
int tp_act_kind_parse(const char *name, enum tp_act_kind *out);

struct tp_act_probe {
	enum tp_act_kind kind;
	int allowed;	  /* the board's [actuators] allow list has it (1 with no board) */
	int usable;	  /* allowed and everything it needs is there */
	char target[512]; /* what it would act on */
	char lacks[256];  /* what is missing (privilege, controller, file); "" when usable */
};

/*
 * Says for each actuator kind whether it is usable on this board with the
 * privileges this process has, and what it lacks. board may be NULL (no
 * allow list, no named clocks: every cpufreq policy and devfreq device).
 * Fills out[0..TP_ACT_NKINDS) in enum order; returns how many were filled
 * (min(cap, TP_ACT_NKINDS)). The runtime directory for the socket is
 * tp_pace_runtime_dir(NULL).
 */
int tp_actuator_probe(const char *root, const struct tp_board *board, struct tp_act_probe *out,
		      int cap);

#define TP_ACT_MAX_CLOCKS 8
#define TP_ACT_MAX_FREQS  32

struct tp_act_clock {
	char max_path[512]; /* scaling_max_freq or max_freq */
	long original;	    /* its value at open (restored when uncapped) */
	long lo, hi;	    /* the range the setting spans */
	int navail;
	long avail[TP_ACT_MAX_FREQS]; /* ascending; 0 entries: continuous */
	long written;		      /* last value written, -1 none */
};

struct tp_actuator {
	enum tp_act_kind kind;
	struct tp_pace_state *state; /* borrowed */
	double setting;		     /* in force, 1 = uncapped */
	double s_min;
	char target[512]; /* what it acts on, for messages and events */
	char err[320];	  /* the last failure */
	/* cgroup */
	int cg_version; /* 1 or 2 */
	int cg_created; /* the daemon made cg_dir */
	char cg_dir[512];
	long period_us;
	int ncpu;
	long quota_written; /* -2 none yet, -1 uncapped */
	/* cpufreq, devfreq */
	int nclocks;
	struct tp_act_clock clk[TP_ACT_MAX_CLOCKS];
	/* signal */
	pid_t sig_pid;
	int sig_group;
	int sig_journaled;
	int stopped;
	double period_s;
	double next_toggle; /* CLOCK_MONOTONIC s; 0 when not cycling */
};

/*
 * cgroup: attach_dir given: govern that existing cgroup (v1 when it holds
 * cpu.cfs_quota_us, v2 when cpu.max). Else a cgroup thermpace-PID is made
 * under base (v1: ROOT/sys/fs/cgroup/cpu; v2: the cgroup2 directory given),
 * to which tp_actuator_add_pid moves the process; on restore its processes
 * go back to the cgroup origin is in now (0: this process).
 */
int tp_act_cgroup_open(struct tp_actuator *a, struct tp_pace_state *st, const char *root,
		       const char *base, const char *attach_dir, pid_t origin);

/* Moves pid (and its later children) into the cgroup the daemon made. */
int tp_actuator_add_pid(struct tp_actuator *a, pid_t pid);

/* cpufreq / devfreq: the board's clocks of that kind, else every one found. */
int tp_act_clock_open(struct tp_actuator *a, enum tp_act_kind kind, struct tp_pace_state *st,
		      const char *root, const struct tp_board *board);

/* signal: duty cycling of pid, or of its process group when group != 0. */
int tp_act_signal_open(struct tp_actuator *a, struct tp_pace_state *st, pid_t pid, int group,
		       double period_s);

/*
 * Applies setting s (clamped to [s_min, 1]). Records originals in the
 * state file before the first change. 0 or a negative errno (a->err says).
 */
int tp_actuator_set(struct tp_actuator *a, double s, double now);

/*
 * Performs what is due at now (the signal duty cycle's toggles) and
 * returns the next time something is due, or INFINITY.
 */
double tp_actuator_poll(struct tp_actuator *a, double now);

/* Frees; restoring is the state file's job (tp_pace_state_restore). */
void tp_actuator_close(struct tp_actuator *a);

/*
 * The budget-to-setting map, learned online: board power ~ a + b*s, fitted
 * by recursive least squares with forgetting from (setting in force,
 * measured power) pairs, started from a prior (idle, full - idle).
 */
struct tp_power_map {
	double a, b;	/* W, W per unit setting */
	double p[2][2]; /* RLS covariance */
	double lambda;	/* forgetting factor per update */
	double prior_a, prior_b;
	long n;
};

void tp_act_power_map_init(struct tp_power_map *m, double idle_w, double full_w);
void tp_act_power_map_update(struct tp_power_map *m, double setting, double power_w);

/* The setting whose predicted power is budget_w, clamped to [s_min, 1]. */
double tp_act_power_map_setting(const struct tp_power_map *m, double budget_w, double s_min);

#endif
