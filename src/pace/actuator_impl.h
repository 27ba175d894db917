#ifndef THERMPACE_ACTUATOR_IMPL_H
#define THERMPACE_ACTUATOR_IMPL_H

/*
 * Between actuator.c (dispatch) and the files of each kind; not for other
 * modules: they use actuator.h.
 */

#include "actuator.h"

int tp_act_cgroup_set(struct tp_actuator *a, double s);
int tp_act_clock_set(struct tp_actuator *a, double s);
int tp_act_signal_set(struct tp_actuator *a, double s, double now);
double tp_act_signal_poll(struct tp_actuator *a, double now);

#endif
