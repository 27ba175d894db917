/*
 * SIGSTOP/SIGCONT duty cycling: within each period the process (group)
 * runs for setting * period and is stopped for the rest. The group is
 * recorded in the state file before the first stop, so the guardian or
 * `thermpace restore` continues it if the daemon dies while it is stopped.
 */
#include "actuator.h"
#include "actuator_impl.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define FULL_DUTY 0.995 /* at or above: never stopped */

int tp_act_signal_open(struct tp_actuator *a, struct tp_pace_state *st, pid_t pid, int group,
		       double period_s)
{
	if (pid <= 1)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->kind = TP_ACT_SIGNAL;
	a->state = st;
	a->setting = 1;
	a->s_min = 0.05;
	a->sig_pid = pid;
	a->sig_group = group;
	a->period_s = period_s > 0 ? period_s : 0.5;
	snprintf(a->target, sizeof(a->target), "%s %d (SIGSTOP/SIGCONT, period %g s)",
		 group ? "process group" : "process", (int)pid, a->period_s);
	return 0;
}

static int send(struct tp_actuator *a, int sig)
{
	if (kill(a->sig_group ? -a->sig_pid : a->sig_pid, sig) < 0) {
		snprintf(a->err, sizeof(a->err), "cannot send %s to %d: %s",
			 sig == SIGSTOP ? "SIGSTOP" : "SIGCONT", (int)a->sig_pid, strerror(errno));
		return -errno;
	}
	return 0;
}

int tp_act_signal_set(struct tp_actuator *a, double s, double now)
{
	int ret;

	a->setting = s;
	if (s >= FULL_DUTY) {
		a->next_toggle = 0;
		if (a->stopped) {
			ret = send(a, SIGCONT);
			if (ret < 0)
				return ret;
			a->stopped = 0;
		}
		return 0;
	}
	if (!a->sig_journaled) {
		ret = tp_pace_state_signal(a->state, a->sig_pid, a->sig_group);
		if (ret < 0) {
			snprintf(a->err, sizeof(a->err), "cannot record the process group: %s",
				 strerror(-ret));
			return ret;
		}
		a->sig_journaled = 1;
	}
	if (a->next_toggle == 0) /* start with the running part */
		a->next_toggle = now + s * a->period_s;
	return 0;
}

double tp_act_signal_poll(struct tp_actuator *a, double now)
{
	int guard = 0;

	if (a->next_toggle == 0)
		return INFINITY;
	while (now >= a->next_toggle && guard++ < 4) {
		if (a->stopped) {
			if (send(a, SIGCONT) == 0 || errno == ESRCH)
				a->stopped = 0;
			a->next_toggle += a->setting * a->period_s;
		} else {
			if (send(a, SIGSTOP) == 0)
				a->stopped = 1;
			a->next_toggle += (1 - a->setting) * a->period_s;
		}
	}
	if (now >= a->next_toggle) /* far behind (the daemon was stopped): resynchronise */
		a->next_toggle = now + (a->stopped ? 1 - a->setting : a->setting) * a->period_s;
	return a->next_toggle;
}
