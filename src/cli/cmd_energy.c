/*
 * thermpace energy [--scenario FILE] [--irradiance FILE] [--energy-floor F]
 *                  [--reserve-hours H] [--keep-full-days K] [--spell-confidence P]
 *                  [--confidence C] [--events FILE] [--by-month]
 * A year (or whatever the series holds) of the off-grid rig (issue 15)
 * under the oracle, the energy budget, the fixed threshold and no pacing:
 * the table of src/sim/solar_eval.h on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "commands.h"
#include "sim/solar_eval.h"
#include "util.h"

#define ENERGY_DEFAULT_SCENARIO "fixtures/solar/rig.ini"
#define ENERGY_SHARED_SCENARIO	"solar/rig.ini" /* under the installed data directory */

struct energy_opts {
	const char *scenario, *irradiance, *events;
	char found[PATH_MAX], real[PATH_MAX]; /* the bundled rig, found */
	double floor, reserve_h, confidence, keep_full, spell;
	int by_month;
};

static void energy_usage(FILE *f)
{
	fprintf(f,
		"usage: thermpace energy [options]\n\n"
		"Runs an irradiance series through the off-grid rig of a scenario (panel,\n"
		"charge controller, LiFePO4 battery, the board's load) under four controllers:\n"
		"the oracle that knows the weather, the energy budget, the fixed threshold and\n"
		"no pacing; prints hours below the floor, brownouts and tokens per day.\n\n"
		"options:\n"
		"  -s, --scenario FILE      the rig (default: " ENERGY_DEFAULT_SCENARIO " here\n"
		"                           or in the source tree, else\n"
		"                           " THERMPACE_DATADIR "/" ENERGY_SHARED_SCENARIO ")\n"
		"  -i, --irradiance FILE    TMY3, PVGIS or time,ghi CSV instead of the scenario's\n"
		"  -f, --energy-floor F     state of charge kept, 0..0.95 (default: scenario's)\n"
		"  -r, --reserve-hours H    hours of idle kept above the floor besides\n"
		"  -k, --keep-full-days K   the battery full at dusk and the night kept while a\n"
		"                           clear day gives under K days of idle (0: off;\n"
		"                           auto: while a clear day cannot run the board at\n"
		"                           its most and refill the battery from the floor;\n"
		"                           default: scenario's)\n"
		"  -p, --spell-confidence P a reserve for the dark spell learned from the days\n"
		"                           seen, outlasted with probability 1 - P (0: off)\n"
		"  -c, --confidence C       of the harvest forecast's lower band, 0.5..0.999\n"
		"  -e, --events FILE        the energy budget's energy_budget events (JSON lines)\n"
		"  -m, --by-month           also the table by calendar month: where each policy\n"
		"                           earns its tokens and spends its hours below the floor\n"
		"  -h, --help               this text\n");
}

static int energy_num(const char *opt, const char *arg, double lo, double hi, double *out)
{
	if (tp_parse_double(arg, out) < 0 || !(*out >= lo && *out <= hi)) {
		tp_err("energy: %s wants a number from %g to %g", opt, lo, hi);
		return -EINVAL;
	}
	return 0;
}

static int energy_parse(int argc, char **argv, struct energy_opts *o)
{
	static const struct option lo[] = {
	    {"scenario", required_argument, NULL, 's'},
	    {"irradiance", required_argument, NULL, 'i'},
	    {"energy-floor", required_argument, NULL, 'f'},
	    {"reserve-hours", required_argument, NULL, 'r'},
	    {"keep-full-days", required_argument, NULL, 'k'},
	    {"spell-confidence", required_argument, NULL, 'p'},
	    {"confidence", required_argument, NULL, 'c'},
	    {"events", required_argument, NULL, 'e'},
	    {"by-month", no_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc = 0;

	memset(o, 0, sizeof(*o)); /* no --scenario: the bundled rig (energy_find_rig) */
	o->floor = o->reserve_h = o->confidence = o->keep_full = o->spell = NAN;
	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":s:i:f:r:k:p:c:e:mh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->scenario = optarg;
			break;
		case 'i':
			o->irradiance = optarg;
			break;
		case 'e':
			o->events = optarg;
			break;
		case 'm':
			o->by_month = 1;
			break;
		case 'f':
			rc = energy_num("--energy-floor", optarg, 0.0, 0.95, &o->floor);
			break;
		case 'r':
			rc = energy_num("--reserve-hours", optarg, 0.0, 1000.0, &o->reserve_h);
			break;
		case 'k':
			if (strcmp(optarg, "auto") == 0)
				o->keep_full = POWER_BUDGET_KEEP_FULL_AUTO;
			else
				rc = energy_num("--keep-full-days", optarg, 0.0, 30.0,
						&o->keep_full);
			break;
		case 'p':
			rc = energy_num("--spell-confidence", optarg, 0.0, 0.999, &o->spell);
			break;
		case 'c':
			rc = energy_num("--confidence", optarg, 0.5, 0.999, &o->confidence);
			break;
		case 'h':
			energy_usage(stdout);
			return 1;
		default:
			tp_err_option("energy", c, argv);
			return -EINVAL;
		}
	}
	if (rc == 0 && optind != argc) {
		tp_err("energy: unexpected argument '%s' (see 'thermpace energy --help')",
		       argv[optind]);
		rc = -EINVAL;
	}
	return rc;
}

/*
 * The bundled rig when no --scenario names one: here (the bench's paths
 * stay relative), else beside the program or where it was installed.
 */
static int energy_find_rig(struct energy_opts *o)
{
	if (o->scenario)
		return 0;
	if (access(ENERGY_DEFAULT_SCENARIO, R_OK) == 0) {
		o->scenario = ENERGY_DEFAULT_SCENARIO;
		return 0;
	}
	if (tp_data_find(ENERGY_DEFAULT_SCENARIO, ENERGY_SHARED_SCENARIO, o->found,
			 sizeof(o->found)) == 0) {
		o->scenario = realpath(o->found, o->real) ? o->real : o->found;
		return 0;
	}
	tp_err("energy: no bundled rig (" ENERGY_DEFAULT_SCENARIO
	       " here or in the source tree beside the program, nor " ENERGY_SHARED_SCENARIO
	       " under " THERMPACE_DATADIR "): name one with --scenario");
	return -ENOENT;
}

static int energy_setup(const struct energy_opts *o, struct solar_scenario *s,
			struct power_irradiance *ir)
{
	char err[512];
	int rc;

	rc = solar_scenario_load(s, o->scenario, err, sizeof(err));
	if (rc < 0) {
		tp_err("energy: %s", err);
		return rc;
	}
	if (o->irradiance)
		tp_strlcpy(s->irradiance, o->irradiance, sizeof(s->irradiance));
	if (isfinite(o->floor))
		s->budget.floor = o->floor;
	if (isfinite(o->reserve_h))
		s->budget.reserve_hours = o->reserve_h;
	if (isfinite(o->confidence))
		s->budget.confidence = o->confidence;
	if (isfinite(o->keep_full))
		s->budget.keep_full_days = o->keep_full;
	if (isfinite(o->spell))
		s->budget.spell_confidence = o->spell;
	if (!s->irradiance[0]) {
		tp_err("energy: '%s' names no [irradiance] file and --irradiance is absent",
		       o->scenario);
		return -EINVAL;
	}
	rc = power_irradiance_load(ir, s->irradiance, err, sizeof(err));
	if (rc < 0) {
		tp_err("energy: %s", err);
		return rc;
	}
	if (!s->have_site && ir->have_site) {
		s->site.lat_deg = ir->lat_deg;
		s->site.lon_deg = ir->lon_deg;
		s->have_site = 1;
	}
	if (!s->have_site) {
		tp_err("energy: no location: '%s' has none, give [site] latitude and longitude",
		       s->irradiance);
		return -EINVAL;
	}
	solar_mark_missing(s, ir);
	return 0;
}

int cmd_energy(int argc, char **argv)
{
	struct energy_opts o;
	struct solar_scenario s;
	struct power_irradiance ir;
	struct solar_result res[SOLAR_NPOLICIES];
	FILE *ev = NULL;
	int rc, status = TP_EXIT_FAILURE;

	rc = energy_parse(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? TP_EXIT_OK : TP_EXIT_USAGE;
	memset(&ir, 0, sizeof(ir));
	if (energy_find_rig(&o) < 0 || energy_setup(&o, &s, &ir) < 0)
		goto out;
	if (o.events && !(ev = tp_fopen_out(o.events))) {
		tp_err("energy: cannot write '%s': %s", o.events, strerror(errno));
		goto out;
	}
	rc = solar_eval_run(&s, &ir, ev, res);
	if (rc < 0) {
		tp_err("energy: the run failed: %s", strerror(-rc));
		goto out;
	}
	solar_eval_print(stdout, &s, &ir, res);
	if (o.by_month)
		solar_eval_print_months(stdout, res);
	status = TP_EXIT_OK;
out:
	if (ev && fclose(ev) != 0 && status == TP_EXIT_OK) {
		tp_err("energy: cannot write '%s': %s", o.events, strerror(errno));
		status = TP_EXIT_FAILURE;
	}
	power_irradiance_free(&ir);
	return status;
}
