/*
 * thermpace-loadgen: a real compute load that emits tokens, for tests,
 * benchmarks, the closed-loop simulator and the demo (src/sim/loadgen.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"
#include "loadgen_http.h"
#include "util.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	stop_flag = sig;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: thermpace-loadgen [OPTIONS]\n\n"
		   "Generates tokens with real compute per token (matrix-vector products).\n\n"
		   "  -n, --tokens N        tokens per call (default 64; 0: until stopped)\n"
		   "  -c, --calls N         calls (default 1)\n"
		   "  -g, --gap S           seconds between calls (default 0)\n"
		   "  -r, --max-rate R      at most R tokens/s of its own (default: no limit)\n"
		   "  -d, --dim N           matrix side (default 2048: 16 MiB of float weights)\n"
		   "  -w, --work K          matrix-vector products per token (default 1)\n"
		   "  -C, --cooperative     ask the thermpace daemon before each token\n"
		   "                        (socket: --socket, else $THERMPACE_SOCKET, ...)\n"
		   "  -s, --socket PATH     pacing socket (implies --cooperative)\n"
		   "      --name NAME       client name given to the daemon (default loadgen)\n"
		   "  -q, --quiet           do not print the tokens' text\n"
		   "      --exit-status N   exit with N when done (tests)\n"
		   "      --http ADDR:PORT  serve POST /completion {\"n_predict\":N}, GET\n"
		   "                        /health and /metrics there, as llama-server\n"
		   "                        (docs/fleet.md)\n"
		   "      --slots N         --http: requests generated at once (default 4)\n"
		   "  -h, --help            this text\n\n"
		   "Not cooperative, it prints llama-cli's closing timing lines on stderr at\n"
		   "the end of each call, \"eval time = ... ms / N runs\" included.\n");
}

static int parse_long_arg(const char *s, long lo, long hi, const char *what, long *out)
{
	long v;

	if (tp_parse_long(s, &v) < 0 || v < lo || v > hi) {
		fprintf(stderr, "thermpace-loadgen: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_double_arg(const char *s, double lo, double hi, const char *what, double *out)
{
	double v;

	if (tp_parse_double(s, &v) < 0 || v < lo || v > hi) {
		fprintf(stderr, "thermpace-loadgen: bad %s '%s' (%g..%g)\n", what, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"tokens", required_argument, NULL, 'n'},
	    {"calls", required_argument, NULL, 'c'},
	    {"gap", required_argument, NULL, 'g'},
	    {"max-rate", required_argument, NULL, 'r'},
	    {"dim", required_argument, NULL, 'd'},
	    {"work", required_argument, NULL, 'w'},
	    {"cooperative", no_argument, NULL, 'C'},
	    {"socket", required_argument, NULL, 's'},
	    {"name", required_argument, NULL, 'N'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"exit-status", required_argument, NULL, 'x'},
	    {"http", required_argument, NULL, 'H'},
	    {"slots", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tp_loadgen_opts o;
	struct tp_lgh_opts ho = {NULL, 4, 64};
	struct sigaction sa;
	long v, exit_status = 0;
	int c, ret;

	tp_loadgen_defaults(&o);
	while ((c = getopt_long(argc, argv, "n:c:g:r:d:w:Cs:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_long_arg(optarg, 0, 1000000000L, "token count", &o.tokens) < 0)
				return 2;
			break;
		case 'c':
			if (parse_long_arg(optarg, 1, 1000000L, "call count", &o.calls) < 0)
				return 2;
			break;
		case 'g':
			if (parse_double_arg(optarg, 0, 86400, "gap", &o.gap_s) < 0)
				return 2;
			break;
		case 'r':
			if (parse_double_arg(optarg, 0, 1e6, "rate", &o.max_rate) < 0)
				return 2;
			break;
		case 'd':
			if (parse_long_arg(optarg, 1, 16384, "dimension", &v) < 0)
				return 2;
			o.dim = (int)v;
			break;
		case 'w':
			if (parse_long_arg(optarg, 1, 1000, "work", &v) < 0)
				return 2;
			o.work = (int)v;
			break;
		case 'C':
			o.cooperative = 1;
			break;
		case 's':
			o.cooperative = 1;
			o.socket_path = optarg;
			break;
		case 'N':
			if (optarg[strcspn(optarg, "\"\\\t\r\n")] != '\0') {
				fprintf(stderr, "thermpace-loadgen: bad name '%s'\n", optarg);
				return 2;
			}
			o.name = optarg;
			break;
		case 'H':
			ho.listen = optarg;
			break;
		case 'S':
			if (parse_long_arg(optarg, 1, 64, "slot count", &v) < 0)
				return 2;
			ho.slots = (int)v;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'x':
			if (parse_long_arg(optarg, 0, 255, "exit status", &exit_status) < 0)
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "thermpace-loadgen: see --help\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "thermpace-loadgen: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (ho.listen)
		ret = tp_lgh_serve(&ho, &o, stderr, &stop_flag);
	else
		ret = tp_loadgen_run(&o, stdout, stderr, &stop_flag);
	if (ret < 0 && ret != -EPIPE)
		return 1;
	if (stop_flag)
		return 128 + stop_flag;
	return (int)exit_status;
}
