#ifndef THERMPACE_LOADGEN_H
#define THERMPACE_LOADGEN_H

/*
 * thermpace-loadgen: a stand-in for an inference process that does real
 * compute per token (matrix-vector products sized like one layer of a small
 * model, 2048x2048 float by default, about 16 MiB of weights streamed per
 * token), either cooperatively (asking the daemon before each token through
 * libthermpace-client) or not (printing llama-cli-like text and, at the end
 * of each call, llama-cli's "eval time = ... / N runs" line).
 */

#include <stdio.h>

struct tp_loadgen_opts {
	long tokens;		 /* per call; 0: until stopped */
	long calls;		 /* >= 1 */
	double gap_s;		 /* pause between calls */
	double max_rate;	 /* tokens/s the generator allows itself; 0: none */
	int dim;		 /* matrix side */
	int work;		 /* matrix-vector products per token */
	int cooperative;	 /* use the daemon's socket */
	int quiet;		 /* do not print the token text */
	const char *socket_path; /* NULL: the client library's default */
	const char *name;	 /* client name */
	unsigned seed;
};

void tp_loadgen_defaults(struct tp_loadgen_opts *o);

/* The per-token work: weights allocated once, then pure compute. */
struct tp_loadgen_model {
	int dim;
	float *w, *x, *y; /* owned */
};

int tp_loadgen_model_init(struct tp_loadgen_model *m, int dim, unsigned seed);

/* One token: `work` products y = W x, x = normalized tanh(y); returns its id. */
int tp_loadgen_model_step(struct tp_loadgen_model *m, int work);

void tp_loadgen_model_free(struct tp_loadgen_model *m);

/*
 * Runs the calls: tokens' text on out, the per-call llama-cli-like timing
 * lines and a final summary on err. Stops early when *stop becomes non-zero
 * (may be NULL). Returns 0, or a negative errno when the socket failed in
 * cooperative mode (the generator then goes on unpaced and says so once).
 */
int tp_loadgen_run(const struct tp_loadgen_opts *o, FILE *out, FILE *err, volatile int *stop);

#endif
