#include "board.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"
#include "util.h"

/* A file to read, or a directory to list. */
static int readable(const char *p)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return 0;
	return access(p, S_ISDIR(st.st_mode) ? R_OK | X_OK : R_OK) == 0;
}

/*
 * The first of: the source tree beside the executable (build/rel/thermpace),
 * the installed data directory beside it (PREFIX/bin/thermpace), the one it
 * was built for, the working directory. tree_rel and share_rel name the
 * same thing in the tree and under share/thermpace.
 */
int tp_data_find(const char *tree_rel, const char *share_rel, char *out, size_t n)
{
	char exe[PATH_MAX], cand[2 * PATH_MAX];
	ssize_t len;
	char *slash;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/../../%s", exe, tree_rel);
			if (readable(cand))
				return tp_strlcpy(out, cand, n);
			snprintf(cand, sizeof(cand), "%s/../share/thermpace/%s", exe, share_rel);
			if (readable(cand))
				return tp_strlcpy(out, cand, n);
		}
	}
	snprintf(cand, sizeof(cand), "%s/%s", THERMPACE_DATADIR, share_rel);
	if (readable(cand))
		return tp_strlcpy(out, cand, n);
	if (readable(tree_rel))
		return tp_strlcpy(out, tree_rel, n);
	return -ENOENT;
}

int tp_board_dir(char *out, size_t n)
{
	const char *env = getenv("THERMPACE_BOARDS");

	if (env && env[0])
		return tp_strlcpy(out, env, n);
	return tp_data_find("boards", "boards", out, n);
}

const char *tp_board_zone_role_name(enum tp_zone_role role)
{
	switch (role) {
	case TP_ROLE_DIE:
		return "die";
	case TP_ROLE_BOARD:
		return "board";
	case TP_ROLE_AMBIENT:
		return "ambient";
	default:
		return "other";
	}
}

static int parse_role(const char *s, enum tp_zone_role *out)
{
	static const enum tp_zone_role roles[] = {TP_ROLE_OTHER, TP_ROLE_DIE, TP_ROLE_BOARD,
						  TP_ROLE_AMBIENT};
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(roles); i++)
		if (strcmp(s, tp_board_zone_role_name(roles[i])) == 0) {
			*out = roles[i];
			return 0;
		}
	return -EINVAL;
}

static int bad(struct tp_board *b, const char *sec, const char *key, const char *why)
{
	snprintf(b->err, sizeof(b->err), "%s: [%s] %s: %s", b->path, sec, key, why);
	return -EINVAL;
}

static int parse_zone(struct tp_board *b, const char *sec)
{
	struct tp_board_zone *z;
	const char *v;
	char list[TP_INI_VALUE_MAX], *save = NULL, *tok;

	if (b->nzones >= TP_BOARD_MAX_ZONES)
		return bad(b, sec, "zone", "too many zones");
	z = &b->zones[b->nzones++];
	memset(z, 0, sizeof(*z));
	tp_strlcpy(z->type, sec + 5, sizeof(z->type));
	v = tp_ini_get(&b->ini, sec, "channel");
	if (!v)
		return bad(b, sec, "channel", "missing");
	if (strncmp(v, "temp.", 5) != 0 || !tp_channel_name_valid(v))
		return bad(b, sec, "channel", "must be temp.NAME (NAME of letters, digits, _ . -)");
	tp_strlcpy(z->channel, v, sizeof(z->channel));
	v = tp_ini_get(&b->ini, sec, "role");
	if (v && parse_role(v, &z->role) < 0)
		return bad(b, sec, "role", "must be die, board, ambient or other");
	if (tp_ini_double_or(&b->ini, sec, "min_c", -40, &z->min_c) < 0)
		return bad(b, sec, "min_c", "not a number");
	if (tp_ini_double_or(&b->ini, sec, "max_c", 150, &z->max_c) < 0)
		return bad(b, sec, "max_c", "not a number");
	v = tp_ini_get(&b->ini, sec, "invalid");
	if (v) {
		tp_strlcpy(list, v, sizeof(list));
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (z->ninvalid >= TP_BOARD_MAX_INVALID)
				return bad(b, sec, "invalid", "more than 4 values");
			if (tp_parse_double(tok, &z->invalid_c[z->ninvalid]) < 0)
				return bad(b, sec, "invalid", "not a number list");
			z->ninvalid++;
		}
	}
	return 0;
}

static int parse_rail(struct tp_board *b, const char *sec)
{
	struct tp_board_rail *r;
	const char *v;

	if (b->nrails >= TP_BOARD_MAX_RAILS)
		return bad(b, sec, "rail", "too many rails");
	r = &b->rails[b->nrails++];
	memset(r, 0, sizeof(*r));
	tp_strlcpy(r->name, sec + 5, sizeof(r->name));
	tp_strlcpy(r->section, sec, sizeof(r->section));
	v = tp_ini_get(&b->ini, sec, "source");
	if (!v)
		return bad(b, sec, "source", "missing");
	tp_strlcpy(r->source, v, sizeof(r->source));
	v = tp_ini_get(&b->ini, sec, "channel");
	if (!v ||
	    (strncmp(v, "power.", 6) != 0 && strcmp(v, "battery.power") != 0 &&
	     strcmp(v, "solar.power") != 0) ||
	    !tp_channel_name_valid(v))
		return bad(b, sec, "channel",
			   "missing or not power.NAME (letters, digits, _ . -), battery.power or "
			   "solar.power");
	tp_strlcpy(r->channel, v, sizeof(r->channel));
	v = tp_ini_get(&b->ini, sec, "total");
	r->total = v && strcmp(v, "1") == 0;
	return 0;
}

static int parse_clock(struct tp_board *b, const char *sec)
{
	struct tp_board_clock *c;
	const char *v;

	if (b->nclocks >= TP_BOARD_MAX_CLOCKS)
		return bad(b, sec, "clock", "too many clocks");
	c = &b->clocks[b->nclocks++];
	memset(c, 0, sizeof(*c));
	tp_strlcpy(c->name, sec + 6, sizeof(c->name));
	tp_strlcpy(c->section, sec, sizeof(c->section));
	v = tp_ini_get(&b->ini, sec, "kind");
	if (!v || (strcmp(v, "cpufreq") != 0 && strcmp(v, "devfreq") != 0))
		return bad(b, sec, "kind", "must be cpufreq or devfreq");
	tp_strlcpy(c->kind, v, sizeof(c->kind));
	v = tp_ini_get(&b->ini, sec, "channel");
	if (!v || strncmp(v, "freq.", 5) != 0 || !tp_channel_name_valid(v))
		return bad(b, sec, "channel", "missing or not freq.NAME (letters, digits, _ . -)");
	tp_strlcpy(c->channel, v, sizeof(c->channel));
	return 0;
}

static int has_rail(const struct tp_board *b, const char *sec)
{
	int i;

	for (i = 0; i < b->nrails; i++)
		if (strcmp(b->rails[i].section, sec) == 0)
			return 1;
	return 0;
}

static int has_clock(const struct tp_board *b, const char *sec)
{
	int i;

	for (i = 0; i < b->nclocks; i++)
		if (strcmp(b->clocks[i].section, sec) == 0)
			return 1;
	return 0;
}

/* The [model] priors the brain and the pacer read (tp_board_model). */
static const char *const model_keys[] = {
    "r_die",  "tau_die_s",	  "r_sink", "tau_sink_s", "ambient_c", "noise_c",
    "idle_w", "joules_per_token", "load_w", "max_rate",	  "max_w",
};

int tp_board_model(const struct tp_board *b, const char *key, double def, double *out)
{
	double v;
	int ret;

	if (!b) {
		*out = def;
		return 0;
	}
	ret = tp_ini_double_or(&b->ini, "model", key, def, &v);
	if (ret < 0)
		return ret;
	*out = v;
	return 0;
}

double tp_board_model_or(const struct tp_board *b, const char *key, double def)
{
	double v;

	return tp_board_model(b, key, def, &v) < 0 ? def : v;
}

/* A prior that is not a number is an error at load, not a default at use. */
static int parse_model(struct tp_board *b)
{
	size_t i;
	double v;

	for (i = 0; i < TP_ARRAY_LEN(model_keys); i++)
		if (tp_board_model(b, model_keys[i], NAN, &v) < 0)
			return bad(b, "model", model_keys[i], "not a number");
	return 0;
}

/* Appends section/key = value to ini (the last value of a key wins). */
static int ini_append(struct tp_ini *ini, const char *sec, const char *key, const char *value)
{
	struct tp_ini_entry *e;

	if (ini->n == ini->cap) {
		int cap = ini->cap ? ini->cap * 2 : 16;

		e = realloc(ini->e, (size_t)cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		ini->e = e;
		ini->cap = cap;
	}
	e = &ini->e[ini->n++];
	tp_strlcpy(e->section, sec, sizeof(e->section));
	tp_strlcpy(e->key, key, sizeof(e->key));
	tp_strlcpy(e->value, value, sizeof(e->value));
	e->line = 0;
	return 0;
}

int tp_board_overlay_model(struct tp_board *b, const char *path)
{
	struct tp_ini m;
	double v;
	int i, ret, nkeys = 0;
	size_t k;

	ret = tp_ini_load(&m, path);
	if (ret < 0) {
		snprintf(b->err, sizeof(b->err), "saved model: %s", m.err);
		goto out;
	}
	for (i = 0; i < m.n; i++) {
		if (strcmp(m.e[i].section, "model") != 0)
			continue;
		for (k = 0; k < TP_ARRAY_LEN(model_keys); k++)
			if (strcmp(m.e[i].key, model_keys[k]) == 0)
				break;
		ret = -EINVAL;
		if (k == TP_ARRAY_LEN(model_keys)) {
			snprintf(b->err, sizeof(b->err), "%s: [model] %s: not a model key", path,
				 m.e[i].key);
			goto out;
		}
		if (tp_parse_double(m.e[i].value, &v) < 0 ||
		    (strcmp(m.e[i].key, "ambient_c") != 0 && v < 0)) {
			snprintf(b->err, sizeof(b->err), "%s: [model] %s: not a number%s", path,
				 m.e[i].key, strcmp(m.e[i].key, "ambient_c") ? " >= 0" : "");
			goto out;
		}
		nkeys++;
	}
	ret = -EINVAL;
	if (nkeys == 0) {
		snprintf(b->err, sizeof(b->err), "%s: no [model] key: not a saved model", path);
		goto out;
	}
	for (i = 0, ret = 0; i < m.n && ret == 0; i++)
		if (strcmp(m.e[i].section, "model") == 0)
			ret = ini_append(&b->ini, "model", m.e[i].key, m.e[i].value);
	if (ret < 0)
		snprintf(b->err, sizeof(b->err), "%s: out of memory", path);
out:
	tp_ini_free(&m);
	return ret;
}

/* The model file every load overlays (tp_board_use_model): a path, or a state directory. */
static struct {
	char path[PATH_MAX];
	char state_dir[PATH_MAX];
} saved_model;

void tp_board_use_model(const char *path, const char *state_dir)
{
	tp_strlcpy(saved_model.path, path ? path : "", sizeof(saved_model.path));
	tp_strlcpy(saved_model.state_dir, state_dir ? state_dir : "",
		   sizeof(saved_model.state_dir));
}

/* After a load: the model file named by tp_board_use_model, or STATE_DIR/NAME.model.ini. */
static int overlay_saved(struct tp_board *b)
{
	char path[PATH_MAX + 128];
	int ret;

	if (saved_model.path[0]) {
		tp_strlcpy(path, saved_model.path, sizeof(path));
	} else if (saved_model.state_dir[0]) {
		if (snprintf(path, sizeof(path), "%s/%s.model.ini", saved_model.state_dir,
			     b->name) >= (int)sizeof(path) ||
		    access(path, F_OK) < 0)
			return 0;
	} else {
		return 0;
	}
	ret = tp_board_overlay_model(b, path);
	if (ret == 0)
		tp_err("using the saved thermal model '%s' for board %s", path, b->name);
	return ret;
}

/* Every section and key a profile may hold (board.h): a misspelled one is refused. */
static const char *const board_keys[] = {
    "name", "description", "source", "match_model", "match_compatible", "match_dmi", NULL};
static const char *const ceiling_keys[] = {
    "zone", "ceiling_c", "trip_c", "margin_c", "ambient_limit_c", "zone_low_c", NULL};
static const char *const zone_keys[] = {"role", "channel", "invalid", "min_c", "max_c", NULL};
static const char *const rail_keys[] = {"source",  "channel", "total", "device", "chip",
					"label",   "domain",  "adc",   "parts",	 "voltage",
					"current", "invert",  NULL};
static const char *const clock_keys[] = {"kind", "channel", "policy", "device", NULL};
static const char *const hwmon_keys[] = {"ignore", NULL};
static const char *const vcgencmd_keys[] = {"throttled", "interval_s", NULL};
static const char *const actuator_keys[] = {"allow", NULL};
static const char *const energy_keys[] = {"vedirect", NULL};

static int check_keys(struct tp_board *b)
{
	const char *mk[TP_ARRAY_LEN(model_keys) + 1];
	const struct tp_ini_known known[] = {
	    {"board", board_keys},
	    {"ceiling", ceiling_keys},
	    {"zone.", zone_keys},
	    {"rail.", rail_keys},
	    {"clock.", clock_keys},
	    {"hwmon", hwmon_keys},
	    {"vcgencmd", vcgencmd_keys},
	    {"actuators", actuator_keys},
	    {"energy", energy_keys},
	    {"model", mk},
	    {NULL, NULL},
	};
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(model_keys); i++)
		mk[i] = model_keys[i];
	mk[i] = NULL;
	return tp_ini_check_keys(&b->ini, b->path, known, b->err, sizeof(b->err));
}

static int parse(struct tp_board *b)
{
	const char *v;
	int i, ret;
	char last[TP_INI_NAME_MAX] = "";

	ret = check_keys(b);
	if (ret < 0)
		return ret;
	v = tp_ini_get(&b->ini, "board", "name");
	if (!v)
		return bad(b, "board", "name", "missing");
	tp_strlcpy(b->name, v, sizeof(b->name));
	v = tp_ini_get(&b->ini, "board", "description");
	tp_strlcpy(b->description, v ? v : b->name, sizeof(b->description));
	/* lines are short in INI: each "source =" line adds one reference */
	for (i = 0; i < b->ini.n; i++) {
		size_t len = strlen(b->source);

		if (strcmp(b->ini.e[i].section, "board") != 0 ||
		    strcmp(b->ini.e[i].key, "source") != 0)
			continue;
		snprintf(b->source + len, sizeof(b->source) - len, "%s%s", len ? "; " : "",
			 b->ini.e[i].value);
	}
	if (!b->source[0])
		return bad(b, "board", "source", "missing: say where the facts come from");

	v = tp_ini_get(&b->ini, "ceiling", "zone");
	tp_strlcpy(b->control_zone, v ? v : "", sizeof(b->control_zone));
	if (tp_ini_double_or(&b->ini, "ceiling", "ceiling_c", 85, &b->ceiling_c) < 0)
		return bad(b, "ceiling", "ceiling_c", "not a number");
	if (tp_ini_double_or(&b->ini, "ceiling", "trip_c", b->ceiling_c + 5, &b->trip_c) < 0)
		return bad(b, "ceiling", "trip_c", "not a number");
	if (tp_ini_double_or(&b->ini, "ceiling", "margin_c", 3, &b->margin_c) < 0)
		return bad(b, "ceiling", "margin_c", "not a number");
	if (tp_ini_double_or(&b->ini, "ceiling", "ambient_limit_c", NAN, &b->ambient_limit_c) < 0)
		return bad(b, "ceiling", "ambient_limit_c", "not a number");
	if (tp_ini_double_or(&b->ini, "ceiling", "zone_low_c", 0, &b->zone_low_c) < 0 ||
	    !(b->zone_low_c >= 0 && b->zone_low_c <= 10))
		return bad(b, "ceiling", "zone_low_c", "not a number from 0 to 10");
	v = tp_ini_get(&b->ini, "actuators", "allow");
	tp_strlcpy(b->actuators, v ? v : "socket", sizeof(b->actuators));

	/*
	 * Sections in the order they first appear. A section may come back
	 * later in the file (its keys are merged by tp_ini_get): parsed once.
	 */
	for (i = 0; i < b->ini.n; i++) {
		const char *sec = b->ini.e[i].section;

		if (strcmp(sec, last) == 0)
			continue;
		tp_strlcpy(last, sec, sizeof(last));
		ret = 0;
		if (strncmp(sec, "zone.", 5) == 0 && !tp_board_zone(b, sec + 5))
			ret = parse_zone(b, sec);
		else if (strncmp(sec, "rail.", 5) == 0 && !has_rail(b, sec))
			ret = parse_rail(b, sec);
		else if (strncmp(sec, "clock.", 6) == 0 && !has_clock(b, sec))
			ret = parse_clock(b, sec);
		if (ret < 0)
			return ret;
	}
	if (b->control_zone[0] && !tp_board_zone(b, b->control_zone))
		return bad(b, "ceiling", "zone", "names no [zone.TYPE] section");
	return parse_model(b);
}

int tp_board_load(struct tp_board *b, const char *name_or_path)
{
	char dir[PATH_MAX];
	int ret;

	memset(b, 0, sizeof(*b));
	if (strchr(name_or_path, '/') || strstr(name_or_path, ".ini")) {
		tp_strlcpy(b->path, name_or_path, sizeof(b->path));
	} else {
		if (tp_board_dir(dir, sizeof(dir)) < 0) {
			snprintf(b->err, sizeof(b->err),
				 "no boards directory found (set THERMPACE_BOARDS)");
			return -ENOENT;
		}
		if (snprintf(b->path, sizeof(b->path), "%s/%s.ini", dir, name_or_path) >=
		    (int)sizeof(b->path))
			return -ENAMETOOLONG;
		if (access(b->path, R_OK) < 0) {
			snprintf(b->err, sizeof(b->err), "unknown board '%s' (no %s)", name_or_path,
				 b->path);
			return -ENOENT;
		}
	}
	ret = tp_ini_load(&b->ini, b->path);
	if (ret < 0) {
		tp_strlcpy(b->err, b->ini.err, sizeof(b->err));
		return ret;
	}
	ret = parse(b);
	return ret < 0 ? ret : overlay_saved(b);
}

void tp_board_free(struct tp_board *b)
{
	tp_ini_free(&b->ini);
}

const struct tp_board_zone *tp_board_zone(const struct tp_board *b, const char *type)
{
	int i;

	for (i = 0; i < b->nzones; i++)
		if (strcmp(b->zones[i].type, type) == 0)
			return &b->zones[i];
	return NULL;
}

int tp_board_allows(const struct tp_board *b, const char *actuator)
{
	char list[TP_INI_VALUE_MAX], *save = NULL, *tok;

	tp_strlcpy(list, b->actuators, sizeof(list));
	for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (strcmp(tok, actuator) == 0)
			return 1;
	return 0;
}

int tp_board_zone_invalid(const struct tp_board_zone *z, double v)
{
	int i;

	if (isnan(v) || v < z->min_c || v > z->max_c)
		return 1;
	for (i = 0; i < z->ninvalid; i++)
		if (fabs(v - z->invalid_c[i]) < 1e-6)
			return 1;
	return 0;
}

/*
 * Reads ROOT/rel (device-tree strings end in NUL; compatible is a NUL-separated
 * list, turned into blanks here) into text[n]; 0 or a negative errno.
 */
static int read_id(const char *root, const char *rel, char *text, size_t n)
{
	char path[PATH_MAX];
	int len, i;

	if (tp_path_join(path, sizeof(path), root, rel) < 0)
		return -ENAMETOOLONG;
	len = tp_read_text(path, text, n);
	if (len < 0)
		return len;
	while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	for (i = 0; i < len; i++)
		if (text[i] == '\0' || text[i] == '\n')
			text[i] = ' ';
	return len > 0 ? 0 : -ENODATA;
}

/*
 * Length of the longest value of [board] key found in text (0: none), with
 * the sentence saying so in why[wn].
 */
static size_t match_key(const char *text, const struct tp_ini *ini, const char *key, char *why,
			size_t wn, const char *what)
{
	size_t best = 0;
	int i;

	if (!text[0])
		return 0;
	for (i = 0; i < ini->n; i++) {
		size_t len = strlen(ini->e[i].value);

		if (strcmp(ini->e[i].section, "board") != 0 || strcmp(ini->e[i].key, key) != 0 ||
		    len == 0 || len <= best || !strstr(text, ini->e[i].value))
			continue;
		best = len;
		snprintf(why, wn, "%s '%s' contains '%s'", what, text, ini->e[i].value);
	}
	return best;
}

/*
 * Detection: every profile's match_model, match_compatible and match_dmi
 * values are looked for in the device-tree model, the device-tree
 * compatible list and the DMI product name; the longest value found wins
 * (the most specific profile), ties going to the first file in name order.
 */
int tp_board_detect(const char *root, char *name, size_t nn, char *why, size_t wn)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], text[256];
	char model[256] = "", compat[512] = "", dmi[256] = "", reason[640], best_why[640] = "";
	char best_name[TP_INI_NAME_MAX] = "", stem[TP_INI_NAME_MAX];
	struct dirent **list = NULL;
	size_t best = 0;
	int n, i;

	if (tp_board_dir(dir, sizeof(dir)) < 0)
		return -ENOENT;
	if (read_id(root, "proc/device-tree/model", model, sizeof(model)) < 0)
		model[0] = '\0';
	if (read_id(root, "proc/device-tree/compatible", compat, sizeof(compat)) < 0)
		compat[0] = '\0';
	if (read_id(root, "sys/class/dmi/id/product_name", dmi, sizeof(dmi)) < 0)
		dmi[0] = '\0';
	n = scandir(dir, &list, NULL, alphasort);
	for (i = 0; i < n; i++) {
		struct tp_ini ini;
		size_t len = strlen(list[i]->d_name), m;
		const char *nm;

		if (len > 4 && len - 4 < sizeof(stem) &&
		    strcmp(list[i]->d_name + len - 4, ".ini") == 0) {
			/* the file's name is what tp_board_load finds, whatever [board] name says
			 */
			memcpy(stem, list[i]->d_name, len - 4);
			stem[len - 4] = '\0';
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			if (tp_ini_load(&ini, path) == 0) {
				/* a profile without a [board] name does not load: never chosen */
				nm = tp_ini_get(&ini, "board", "name") ? stem : NULL;
				m = match_key(model, &ini, "match_model", reason, sizeof(reason),
					      "/proc/device-tree/model");
				if (m > best && nm) {
					best = m;
					tp_strlcpy(best_name, nm, sizeof(best_name));
					tp_strlcpy(best_why, reason, sizeof(best_why));
				}
				m = match_key(compat, &ini, "match_compatible", reason,
					      sizeof(reason), "/proc/device-tree/compatible");
				if (m > best && nm) {
					best = m;
					tp_strlcpy(best_name, nm, sizeof(best_name));
					tp_strlcpy(best_why, reason, sizeof(best_why));
				}
				m = match_key(dmi, &ini, "match_dmi", reason, sizeof(reason),
					      "DMI product name");
				if (m > best && nm) {
					best = m;
					tp_strlcpy(best_name, nm, sizeof(best_name));
					tp_strlcpy(best_why, reason, sizeof(best_why));
				}
			}
			tp_ini_free(&ini);
		}
		free(list[i]);
	}
	free(list);
	if (best > 0) {
		tp_strlcpy(name, best_name, nn);
		tp_strlcpy(why, best_why, wn);
		return 0;
	}
	if (tp_path_join(path, sizeof(path), root, "sys/class/dmi/id/sys_vendor") == 0 &&
	    tp_read_text(path, text, sizeof(text)) >= 0) {
		tp_strlcpy(name, "x86-generic", nn);
		snprintf(why, wn, "no profile matched; DMI vendor '%s' means a PC (x86-generic)",
			 text);
		return 0;
	}
	return -ENOENT;
}
