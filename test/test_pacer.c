/*
 * The pacer's accounting without a pipeline: tokens from each source, calls
 * (bursts, explicit marks, llama-cli's eval line), their energy interpolated
 * between frames, the summary line, the fixed rate on the socket.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "event.h"
#include "pace/loop.h"
#include "pace/pacer.h"
#include "test.h"

struct rig {
	struct tp_board b;
	struct tp_chanset set;
	struct tp_pacer p;
	struct tp_eventlog log;
	FILE *f;
	char *buf;
	size_t len;
	double v[8];
	int i_power;
};

static int rig_open(struct rig *r, double fixed_rate)
{
	struct tp_pacer_opts o;

	memset(r, 0, sizeof(*r));
	if (tp_board_load(&r->b, "boards/sim.ini") < 0)
		return -1;
	tp_chanset_init(&r->set);
	r->i_power = tp_chanset_add(&r->set, "power.board");
	tp_chanset_add(&r->set, "temp.cpu");
	tp_pacer_add_channels(&r->set);
	r->f = open_memstream(&r->buf, &r->len);
	tp_eventlog_init(&r->log, r->f, 1);
	tp_pacer_opts_init(&o);
	o.fixed_rate = fixed_rate;
	return tp_pacer_init(&r->p, &o, &r->b, &r->set, NULL, &r->log, NULL, NULL, NULL);
}

/* A frame at t: power W, 50 °C. */
static void frame(struct rig *r, double t, double power)
{
	r->v[r->i_power] = power;
	r->v[1] = 50;
	tp_pacer_tick(&r->p, t, r->v, t);
}

static void rig_close(struct rig *r)
{
	fclose(r->f);
	free(r->buf);
	tp_board_free(&r->b);
}

/* The n-th (from 1) energy_summary line of the log, or NULL. */
static json_t *call_event(struct rig *r, int n)
{
	const char *p = r->buf;
	int k = 0;

	fflush(r->f);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		json_t *j = json_loadb(p, nl ? (size_t)(nl - p) : strlen(p), 0, NULL);

		if (j &&
		    strcmp(json_string_value(json_object_get(j, "event")), "energy_summary") == 0 &&
		    ++k == n)
			return j;
		json_decref(j);
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static double num(json_t *j, const char *key)
{
	return json_number_value(json_object_get(j, key));
}

static void test_bursts_are_calls(void)
{
	struct rig r;
	json_t *e;
	double t;

	if (rig_open(&r, NAN) < 0)
		SKIP("cannot load boards/sim.ini");
	/* 4 W idle, 6 W while tokens flow from 2 s to 5 s (one a second) */
	for (t = 0; t <= 10; t += 1) {
		if (t >= 2 && t <= 5)
			tp_pacer_tokens(&r.p, TP_TOK_SOCKET, 3, t);
		frame(&r, t, t >= 2 && t <= 5 ? 6 : 4);
	}
	e = call_event(&r, 1);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(json_string_value(json_object_get(e, "scope")), "call");
		CHECK_STR(json_string_value(json_object_get(e, "source")), "socket");
		CHECK_NEAR(num(e, "tokens"), 12, 0);
		CHECK_NEAR(num(e, "t_start"), 2, 1e-9);
		CHECK_NEAR(num(e, "duration_s"), 3, 1e-9); /* to the last token */
		CHECK_NEAR(num(e, "energy_j"), 18, 1e-6);  /* 6 W for 3 s between frames */
		CHECK_NEAR(num(e, "joules_per_token"), 1.5, 1e-6);
		CHECK_NEAR(num(e, "t"), 5, 1e-6);
		json_decref(e);
	}
	CHECK(call_event(&r, 2) == NULL);
	CHECK_NEAR(r.p.tokens, 12, 0);
	CHECK_NEAR(tp_pacer_energy_j(&r.p), 4 + 5 + 3 * 6 + 5 + 4 * 4, 1e-6); /* trapezoids */
	rig_close(&r);
}

static void test_explicit_and_llama_calls(void)
{
	struct rig r;
	json_t *e;
	char line[256];

	if (rig_open(&r, NAN) < 0)
		SKIP("cannot load boards/sim.ini");
	frame(&r, 0, 5);
	/* llama-cli: 10 tokens over 2 s of eval after 0.5 s of prompt, seen at 3.5 s */
	frame(&r, 1, 5);
	frame(&r, 2, 5);
	frame(&r, 3, 5);
	tp_pacer_llama_call(&r.p, 10, 2.0, 0.5, 3.5);
	frame(&r, 4, 5);
	e = call_event(&r, 1);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(json_string_value(json_object_get(e, "source")), "llama-cli");
		CHECK_NEAR(num(e, "t_start"), 1.0, 1e-9);
		CHECK_NEAR(num(e, "energy_j"), 12.5, 1e-6); /* 5 W over 2.5 s */
		CHECK_NEAR(num(e, "tokens"), 10, 0);
		json_decref(e);
	}
	/* a client marks its call: from then on its marks make the calls */
	tp_pacer_call_mark(&r.p, 1, 4.5);
	tp_pacer_tokens(&r.p, TP_TOK_SOCKET, 4, 5.0);
	frame(&r, 5, 5);
	tp_pacer_tokens(&r.p, TP_TOK_SOCKET, 4, 6.0);
	frame(&r, 6, 5);
	tp_pacer_call_mark(&r.p, 0, 6.5);
	/* once the socket counts, llama-cli's lines do not (no double count) */
	tp_pacer_llama_call(&r.p, 99, 1, 0, 6.6);
	frame(&r, 10, 5);
	e = call_event(&r, 2);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(json_string_value(json_object_get(e, "source")), "socket");
		CHECK_NEAR(num(e, "tokens"), 8, 0);
		CHECK_NEAR(num(e, "duration_s"), 2.0, 1e-9);
		CHECK_NEAR(num(e, "energy_j"), 10.0, 1e-6);
		json_decref(e);
	}
	CHECK(call_event(&r, 3) == NULL);
	CHECK_NEAR(r.p.tokens, 18, 0);
	/* an open call is closed at the end */
	tp_pacer_call_mark(&r.p, 1, 10.5);
	tp_pacer_tokens(&r.p, TP_TOK_SOCKET, 2, 11);
	frame(&r, 12, 5);
	tp_pacer_finish(&r.p);
	e = call_event(&r, 3);
	CHECK(e != NULL);
	if (e) {
		CHECK_NEAR(num(e, "tokens"), 2, 0);
		CHECK_NEAR(num(e, "t"), 12, 1e-9);
		json_decref(e);
	}
	tp_pacer_summary(&r.p, -1, line, sizeof(line));
	CHECK(strncmp(line, "thermpace: 20 tokens, 60.0 J, 3 J/token (", 41) == 0);
	CHECK(strstr(line, ", 12.0 s, peak 50.0 C, 0 throttle events") != NULL);
	rig_close(&r);
}

static void test_fixed_rate_and_events(void)
{
	struct rig r;
	char line[256];

	if (rig_open(&r, 7.5) < 0)
		SKIP("cannot load boards/sim.ini");
	frame(&r, 0, 5);
	CHECK_NEAR(tp_pacer_granted(&r.p), 7.5, 0);
	fflush(r.f);
	CHECK(strstr(r.buf, "\"event\":\"pace_change\"") != NULL);
	CHECK(strstr(r.buf, "\"granted_rate\":7.5") != NULL);
	/* frames going back in time are refused */
	CHECK(tp_pacer_tick(&r.p, -1, r.v, 0) < 0);
	tp_pacer_summary(&r.p, 3, line, sizeof(line));
	CHECK(strstr(line, "0 tokens, 0.0 J, no tokens, 0.0 s") != NULL);
	CHECK(strstr(line, "3 throttle events") != NULL);
	rig_close(&r);
}

/* A frame at t with the temperature and power given (NaN: not read). */
static void frame_tp(struct rig *r, double t, double temp, double power)
{
	r->v[r->i_power] = power;
	r->v[1] = temp;
	tp_pacer_tick(&r->p, t, r->v, t);
}

/*
 * Blind: no temperature never starves the process. With board power the
 * profile's safe budget (boards/sim.ini: (77 - 28) / 7.22 W, over the
 * range's top: unlimited), without it unpaced; said once. No power: the
 * energy is unknown (null, "n/a"), the peak temperature "unknown".
 */
static void test_blind_and_unknown_energy(void)
{
	struct rig r;
	char line[256];
	const char *q;
	json_t *e;

	if (rig_open(&r, NAN) < 0)
		SKIP("cannot load boards/sim.ini");
	CHECK(isfinite(r.p.safe_w) && r.p.safe_w > r.p.idle_prior);
	frame_tp(&r, 0, NAN, NAN);
	CHECK(tp_pacer_granted(&r.p) < 0);
	CHECK_STR(r.p.out.reason, "blind");
	tp_pacer_tokens(&r.p, TP_TOK_SOCKET, 10, 0.5);
	frame_tp(&r, 1, NAN, NAN);
	frame_tp(&r, 5, NAN, NAN);
	tp_pacer_finish(&r.p);
	fflush(r.f);
	q = strstr(r.buf, "\"event\":\"pacing_blind\"");
	CHECK(q != NULL && strstr(q + 10, "pacing_blind") == NULL);
	CHECK(strstr(r.buf, "\"reason\":\"temperature unreadable at start\"") != NULL);
	e = call_event(&r, 1);
	CHECK(e && json_is_null(json_object_get(e, "energy_j")));
	CHECK(e && json_is_null(json_object_get(e, "joules_per_token_net")));
	json_decref(e);
	tp_pacer_summary(&r.p, 0, line, sizeof(line));
	CHECK(strstr(line, "10 tokens, n/a J (no power measured), n/a J/token") != NULL);
	CHECK(strstr(line, "peak unknown C") != NULL);
	CHECK(strstr(line, "nan") == NULL);
	rig_close(&r);
	/* power measured, temperature lost mid-run: the safe budget, never idle */
	if (rig_open(&r, NAN) < 0)
		SKIP("cannot load boards/sim.ini");
	r.p.safe_w = r.p.idle_prior + 1; /* under the top, so that it paces */
	frame_tp(&r, 0, 50, 5);
	frame_tp(&r, 1, NAN, 5);
	CHECK_STR(r.p.out.reason, "no_temperature");
	CHECK_NEAR(r.p.out.power_w, r.p.idle_prior + 1, 1e-9);
	CHECK(tp_pacer_granted(&r.p) > 0);
	fflush(r.f);
	CHECK(strstr(r.buf, "\"reason\":\"temperature lost\"") != NULL);
	CHECK(strstr(r.buf, "holding the profile's safe power budget") != NULL);
	rig_close(&r);
}

/* An idle prior above the measured power: said once, net of idle never negative. */
static void test_idle_above_measured(void)
{
	struct rig r;
	char line[256];
	const char *q;
	json_t *e;

	if (rig_open(&r, NAN) < 0)
		SKIP("cannot load boards/sim.ini");
	frame(&r, 0, 1.0); /* idle prior 3.8 W, 1 W measured */
	tp_pacer_tokens(&r.p, TP_TOK_SOCKET, 5, 0.5);
	frame(&r, 1, 1.0);
	tp_pacer_tokens(&r.p, TP_TOK_SOCKET, 5, 1.5);
	frame(&r, 5, 1.0);
	tp_pacer_finish(&r.p);
	e = call_event(&r, 1);
	CHECK(e && json_is_null(json_object_get(e, "joules_per_token_net")));
	CHECK(e && json_number_value(json_object_get(e, "energy_j")) > 0);
	json_decref(e);
	tp_pacer_summary(&r.p, 0, line, sizeof(line));
	CHECK(strstr(line, "net of idle n/a") != NULL);
	fflush(r.f);
	q = strstr(r.buf, "\"problem\":\"idle_above_measured\"");
	CHECK(q != NULL && strstr(q + 20, "idle_above_measured") == NULL);
	rig_close(&r);
}

/*
 * With a pipeline, through the loop: the calls are measured on the
 * pipeline's energy account, so calls covering the session add up to the
 * session's energy_summary, and each call's joules per token is made the
 * way the session's is.
 */
static void test_calls_add_up_to_the_session(void)
{
	struct tp_loop *lp = calloc(1, sizeof(*lp)); /* large: the marks */
	struct tp_board b;
	struct tp_chanset set;
	struct tp_pacer_opts po;
	char err[256], *buf = NULL, *p, *nl;
	size_t len = 0;
	double v[8], t, sum = 0, sess = NAN;
	FILE *f;
	json_t *e;
	int i_power, k, ncalls = 0;

	if (!lp || tp_board_load(&b, "boards/sim.ini") < 0) {
		free(lp);
		SKIP("cannot load boards/sim.ini");
	}
	tp_chanset_init(&set);
	i_power = tp_chanset_add(&set, "power.board");
	tp_chanset_add(&set, "temp.cpu");
	tp_pacer_add_channels(&set);
	f = open_memstream(&buf, &len);
	CHECK_INT(tp_loop_open(lp, &b, &set, NULL, f, NULL, err, sizeof(err)), 0);
	tp_pacer_opts_init(&po);
	po.fixed_rate = 5;
	CHECK_INT(tp_loop_pacer(lp, &po, &b, &set, NULL, NULL, NULL), 0);
	/* three calls marked between frames, from 0 to the last frame */
	tp_pacer_call_mark(&lp->pacer, 1, 0);
	for (k = 0; k <= 40; k++) {
		t = k * 0.75;
		if (k == 13 || k == 29) {
			tp_pacer_call_mark(&lp->pacer, 0, t - 0.3);
			tp_pacer_call_mark(&lp->pacer, 1, t - 0.3);
		}
		tp_pacer_tokens(&lp->pacer, TP_TOK_SOCKET, 1 + k % 3, t);
		v[i_power] = 4 + (k % 4) * 0.5;
		v[1] = 50 + 0.1 * k;
		CHECK_INT(tp_loop_tick(lp, t, v, t), 0);
	}
	tp_loop_finish(lp);
	tp_loop_close(lp);
	fclose(f);
	/* the calls' energy_summary lines, then the session's */
	for (p = buf; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		e = json_loadb(p, nl ? (size_t)(nl - p) : strlen(p), 0, NULL);
		if (e &&
		    strcmp(json_string_value(json_object_get(e, "event")), "energy_summary") == 0) {
			if (json_object_get(e, "scope")) {
				sum += num(e, "energy_j");
				ncalls++;
			} else {
				sess = num(e, "energy_j");
			}
		}
		json_decref(e);
	}
	CHECK_INT(ncalls, 3);
	CHECK_NEAR(sum, sess, 1e-8 * sess); /* the events print 10 digits */
	CHECK(sess > 0);
	free(buf);
	free(lp);
	tp_board_free(&b);
}

/*
 * A controlled zone that reads under its die (the profile's zone_low_c):
 * the readings are held that much under the set point, by the governor
 * and in the sustainable power the pipeline publishes; a zone the user
 * picked instead is not the profile's and keeps the set point.
 */
static void zone_low_setpoint(const char *board, const char *zone, double want_sp, double want_low)
{
	struct tp_loop *lp = calloc(1, sizeof(*lp));
	struct tp_board b;
	struct tp_chanset set;
	struct tp_pacer_opts po;
	struct tp_pipeline_opts plo;
	char err[256];

	if (!lp || tp_board_load(&b, board) < 0) {
		free(lp);
		CHECK(!"the board loads");
		return;
	}
	tp_chanset_init(&set);
	tp_chanset_add(&set, "power.board");
	tp_chanset_add(&set, "temp.gpu");
	tp_chanset_add(&set, "temp.cpu");
	tp_pacer_add_channels(&set);
	tp_pipeline_opts_init(&plo);
	plo.control_zone = zone;
	CHECK_INT(tp_loop_open(lp, &b, &set, &plo, NULL, NULL, err, sizeof(err)), 0);
	tp_pacer_opts_init(&po);
	CHECK_INT(tp_loop_pacer(lp, &po, &b, &set, NULL, NULL, NULL), 0);
	CHECK_NEAR(lp->pacer.gov.cfg.setpoint_c, want_sp, 1e-12);
	CHECK_NEAR(tp_pipeline_zone_low(lp->pl), want_low, 1e-12);
	tp_loop_close(lp);
	free(lp);
	tp_board_free(&b);
}

static void test_zone_low_lowers_the_setpoint(void)
{
	/* sim-orin: ceiling 80, margin 3, temp.gpu reads its die 0.5 K low */
	zone_low_setpoint("boards/sim-orin.ini", NULL, 76.5, 0.5);
	zone_low_setpoint("boards/sim-orin.ini", "temp.cpu", 77, 0);
	zone_low_setpoint("boards/sim.ini", NULL, 77, 0);
}

int main(void)
{
	RUN(test_bursts_are_calls);
	RUN(test_explicit_and_llama_calls);
	RUN(test_fixed_rate_and_events);
	RUN(test_calls_add_up_to_the_session);
	RUN(test_blind_and_unknown_energy);
	RUN(test_idle_above_measured);
	RUN(test_zone_low_lowers_the_setpoint);
	return test_done();
}
