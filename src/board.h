#ifndef THERMPACE_BOARD_H
#define THERMPACE_BOARD_H

/*
 * Board profiles: boards/NAME.ini (DESIGN §4, docs/boards.md). Sections:
 *
 *   [board]      name, description, source (where the facts come from; one
 *                reference a line, lines under 200 characters, may repeat),
 *                match_model (substring of /proc/device-tree/model, may repeat),
 *                match_compatible (substring of /proc/device-tree/compatible,
 *                may repeat), match_dmi (substring of
 *                /sys/class/dmi/id/product_name, may repeat). Detection picks
 *                the profile with the longest value found.
 *   [ceiling]    zone (type of the zone the governor controls), ceiling_c (°C the
 *                controlled zone must stay under), trip_c (the kernel's passive
 *                trip), margin_c (set point = ceiling_c - margin_c),
 *                ambient_limit_c (design ambient at which full load meets the ceiling),
 *                zone_low_c (how far the controlled zone reads under the die it
 *                stands for, K, default 0: sensor placement or a known offset;
 *                the governor aims that much under the set point)
 *   [zone.TYPE]  role = die|board|ambient|other, channel = temp.NAME,
 *                invalid = sentinel °C values (comma list), min_c, max_c
 *   [rail.NAME]  source = ina3221-iio|ina3221-hwmon|hwmon|rapl|vcgencmd|sum,
 *                channel = power.NAME, or battery.power / solar.power for
 *                the rail of the battery or the panel (its voltage and
 *                current become battery.voltage, battery.current, ...;
 *                ina3221 and hwmon sources; invert = 1 when the shunt reads
 *                current out of the battery as positive), total = 1 for
 *                the board-total rail
 *                (never summed with its children), and source-specific keys:
 *                  ina3221-iio:   device = IIO device directory under the root
 *                                 (sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0);
 *                                 NAME is matched against rail_name_N
 *                  ina3221-hwmon: chip = libsensors chip prefix (default ina3221),
 *                                 label = inK_label (default NAME)
 *                  hwmon:         chip = libsensors chip prefix, label = feature
 *                                 label (default NAME); a power feature. A
 *                                 battery or solar rail (an INA219/INA226,
 *                                 driver ina2xx) also takes voltage and
 *                                 current, the features of the bus voltage
 *                                 and current (default in1, curr1), and
 *                                 its power is their signed product
 *                  rapl:          domain = powercap domain name (default NAME,
 *                                 e.g. package-0); a total rail's counter is
 *                                 energy.board
 *                  vcgencmd:      adc = pmic_read_adc rail name (default NAME),
 *                                 or "sum" for the sum over every rail
 *                  sum:           parts = comma list of rail NAMEs, disjoint
 *                                 rails whose sum is the channel
 *   [clock.NAME] kind = cpufreq|devfreq, channel = freq.NAME (NAME_max and
 *                NAME_hwmax follow); cpufreq: policy (default policy0);
 *                devfreq: device (sys/class/devfreq entry, may repeat: the
 *                first present is used)
 *   [hwmon]      ignore = comma list of libsensors chip prefixes not to read
 *   [vcgencmd]   throttled = 0|1 (default 1), interval_s (default 1): the
 *                Raspberry Pi firmware's throttle bits (telemetry_rpi.c)
 *   [actuators]  allow = comma list of socket,cgroup,cpufreq,devfreq,signal
 *   [energy]     vedirect = serial port of a Victron MPPT or BMV (VE.Direct
 *                text protocol, under the root: /dev/ttyUSB0); gives
 *                battery.* and solar.* channels (telemetry_vedirect.c)
 *   [model]      priors: idle_w, joules_per_token, r_die, tau_die_s, r_sink,
 *                tau_sink_s, ambient_c
 *
 * Sources and clocks read their own keys from ini. An unknown section or
 * key fails the load with "FILE:LINE: unknown key 'K' in [S]": a misspelled
 * ceiling_c must not leave the board paced against the default.
 */

#include "ini_file.h"

#define TP_BOARD_MAX_ZONES   32
#define TP_BOARD_MAX_RAILS   16
#define TP_BOARD_MAX_CLOCKS  8
#define TP_BOARD_MAX_INVALID 4

enum tp_zone_role { TP_ROLE_OTHER = 0, TP_ROLE_DIE, TP_ROLE_BOARD, TP_ROLE_AMBIENT };

struct tp_board_zone {
	char type[TP_INI_NAME_MAX];    /* thermal zone 'type' as the kernel names it */
	char channel[TP_INI_NAME_MAX]; /* temp.NAME */
	enum tp_zone_role role;
	int ninvalid;
	double invalid_c[TP_BOARD_MAX_INVALID]; /* sentinel readings (PMIC 100 °C, -256 °C) */
	double min_c, max_c;			/* plausible range */
};

struct tp_board_rail {
	char name[TP_INI_NAME_MAX];    /* rail name as the hardware labels it */
	char source[TP_INI_NAME_MAX];  /* ina3221-iio, ina3221-hwmon, hwmon, rapl, vcgencmd */
	char channel[TP_INI_NAME_MAX]; /* power.NAME */
	int total;		       /* 1: board total, never summed with others */
	char section[TP_INI_NAME_MAX]; /* "rail.NAME", for source-specific keys */
};

struct tp_board_clock {
	char name[TP_INI_NAME_MAX];
	char kind[TP_INI_NAME_MAX];    /* cpufreq, devfreq */
	char channel[TP_INI_NAME_MAX]; /* freq.NAME */
	char section[TP_INI_NAME_MAX];
};

struct tp_board {
	char name[TP_INI_NAME_MAX];
	char description[TP_INI_VALUE_MAX];
	char source[2048];
	char path[4096]; /* file it was loaded from */

	char control_zone[TP_INI_NAME_MAX];
	double ceiling_c, trip_c, margin_c, ambient_limit_c;
	double zone_low_c; /* the controlled zone reads this far under its die, K */

	int nzones, nrails, nclocks;
	struct tp_board_zone zones[TP_BOARD_MAX_ZONES];
	struct tp_board_rail rails[TP_BOARD_MAX_RAILS];
	struct tp_board_clock clocks[TP_BOARD_MAX_CLOCKS];
	char actuators[TP_INI_VALUE_MAX]; /* allow list as written */

	struct tp_ini ini; /* everything, for module-specific keys */
	char err[640];
};

/*
 * Loads a profile by name (searched in $THERMPACE_BOARDS, the source tree
 * beside the executable, then the installed data directory) or by path
 * (anything containing '/' or ending in ".ini"). On failure b->err says why.
 * Free with tp_board_free in every case.
 */
int tp_board_load(struct tp_board *b, const char *name_or_path);
void tp_board_free(struct tp_board *b);

/* Directory holding the profiles, into out[n]; -ENOENT if none is found. */
int tp_board_dir(char *out, size_t n);

/*
 * A file or directory the project ships, into out[n]: tree_rel in the
 * source tree beside the executable, share_rel under the installed data
 * directory (PREFIX/share/thermpace beside the executable, then the one it
 * was built for), tree_rel in the working directory; -ENOENT if none.
 */
int tp_data_find(const char *tree_rel, const char *share_rel, char *out, size_t n);

/*
 * Detects the board under root ("/" live): /proc/device-tree/model,
 * /proc/device-tree/compatible and /sys/class/dmi/id/product_name against
 * every profile's match keys; the longest value found wins. Writes the
 * profile name (its file name without .ini, what tp_board_load takes) and
 * a sentence saying why into name[nn] and why[wn]. Falls
 * back to "x86-generic" when DMI is present, else -ENOENT.
 */
int tp_board_detect(const char *root, char *name, size_t nn, char *why, size_t wn);

/*
 * The one reader of the [model] priors: *out the key's value, def when it is
 * absent or b is NULL. 0, or -EINVAL when the value is not a number (load
 * already refuses a board whose known priors are not numbers, naming the
 * file and the key).
 */
int tp_board_model(const struct tp_board *b, const char *key, double def, double *out);

/* tp_board_model's value, def when it is absent or not a number. */
double tp_board_model_or(const struct tp_board *b, const char *key, double def);

/*
 * Overlays the [model] keys of a saved model file (thermpace fit --save:
 * r_die, tau_die_s, r_sink, tau_sink_s, ambient_c, idle_w, load_w,
 * joules_per_token...) onto b's priors; other sections (its [fit]
 * provenance) are ignored. -EINVAL with b->err naming the file and the key
 * for an unknown key or a value that is not a number, or a file with no
 * [model] key; b is unchanged then.
 */
int tp_board_overlay_model(struct tp_board *b, const char *path);

/*
 * What every later tp_board_load overlays, for the whole process (the
 * command line sets it once, before anything loads a board): path (not
 * NULL) always, else STATE_DIR/NAME.model.ini when state_dir is not NULL
 * and that file exists. A model used is said on stderr; a bad one fails
 * the load. NULL, NULL: none (the default).
 */
void tp_board_use_model(const char *path, const char *state_dir);

/* Zone by type, or NULL. */
const struct tp_board_zone *tp_board_zone(const struct tp_board *b, const char *type);

/* 1 when the actuator kind is in the allow list. */
int tp_board_allows(const struct tp_board *b, const char *actuator);

/* 1 when v is one of the zone's sentinel values or outside its range. */
int tp_board_zone_invalid(const struct tp_board_zone *z, double v);

const char *tp_board_zone_role_name(enum tp_zone_role role);

#endif
