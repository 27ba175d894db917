#ifndef THERMPACE_SBCBENCH_H
#define THERMPACE_SBCBENCH_H

/*
 * sbc-bench logs (github.com/ThomasKaiser/sbc-bench, results/NAME.txt): the
 * "System health" tables its monitor prints while each benchmark runs,
 *
 *   Time        fake/real   load %cpu %sys %usr %nice %io %irq   Temp    VCore    PMIC   DC(V)
 *   19:04:56: 2400/2400MHz  0.53  18%   0%  18%   0%   0%   0%  27.6°C  0.8690V   4.0W   5.14V
 *
 *   Time        CPU    load %cpu %sys %usr %nice %io %irq   Temp
 *   09:27:16: 1479MHz  0.99   0%   0%   0%   0%   0%   0%  33.5°C
 *
 * and the clock column's other forms ("big.LITTLE" "800/ 500MHz",
 * "cpu0/cpu4/cpu6" "1800/2352/2352MHz", "CPU n/a"). Every table in the file
 * is read; rows are put in time order (a table may repeat a row of another:
 * the later copy is dropped) so that t is monotonic across them.
 *
 * Channels: freq.cpu (Hz; the measured clock of "fake/real", the fastest
 * cluster of a multi-cluster board, whose clusters also get freq.cpuN or
 * freq.cpu_clusterN), freq.cpu_cpufreq (the "fake" clock cpufreq reports),
 * util.cpu (%cpu / 100), temp.cpu (or temp.<zone> when the log names a
 * thermal source other than a CPU zone), volt.core (VCore), power.board
 * (PMIC watts on a Raspberry Pi 5), volt.dc (DC(V)).
 */

#include <stddef.h>

#include "channel.h"

#define TP_SBCBENCH_MAX_CLUSTERS 4

struct tp_sbcbench_row {
	double local_s; /* seconds since 1970 in the board's local time, unwrapped */
	double fake_hz, real_hz;
	double cluster_hz[TP_SBCBENCH_MAX_CLUSTERS];
	double util, temp_c, vcore_v, power_w, dc_v; /* NaN when absent */
	int table;				     /* 0-based table number in the file */
	long line;				     /* 1-based line in the file */
};

struct tp_sbcbench {
	char device[160]; /* from the first line: "Raspberry Pi 5 Model B Rev 1.0" */
	char board[64];	  /* guessed profile name, "" when unknown */
	char zone[64];	  /* thermal source zone type, "" when the log names none */
	char temp_channel[TP_CHANNEL_NAME_MAX];
	int has_start; /* first line carries the run's date and zone */
	long long start_local_s;
	int tz_offset_s; /* local = UTC + tz_offset_s */
	int clock_kind;	 /* internal: how the clock column reads */
	int nclusters;
	char cluster_name[TP_SBCBENCH_MAX_CLUSTERS][16]; /* "cpu0", "cluster1" */
	int ntables;
	int nrows, cap;
	struct tp_sbcbench_row *rows; /* sorted by local_s, no duplicates */
	long nbad;		      /* malformed rows skipped */
	long ndup;		      /* rows dropped as copies of another table's */
	char first_bad[200];	      /* "LINE: why" of the first malformed row */
};

/*
 * Parses a whole log held in memory. Returns 0, -ENODATA when the text has
 * no health table (err says so), -ENOMEM. sb must be freed in every case.
 */
int tp_sbcbench_parse(struct tp_sbcbench *sb, const char *text, size_t len, char *err, size_t n);

/*
 * The channels the rows carry (only those with at least one value), in a
 * fixed order, and one row's frame in that set's order.
 */
void tp_sbcbench_channels(const struct tp_sbcbench *sb, struct tp_chanset *set);
void tp_sbcbench_frame(const struct tp_sbcbench *sb, const struct tp_chanset *set, int row,
		       double *v);

/* t of a row: seconds since the first row. */
double tp_sbcbench_t(const struct tp_sbcbench *sb, int row);

/*
 * Writes DIR/manifest.ini (source = import) and DIR/telemetry.csv; DIR is
 * created. board overrides the guess when not NULL. source_name is recorded
 * in the manifest's [import] section.
 */
int tp_sbcbench_write_session(const struct tp_sbcbench *sb, const char *dir, const char *board,
			      const char *source_name, char *err, size_t n);

void tp_sbcbench_free(struct tp_sbcbench *sb);

#endif
