#ifndef THERMPACE_TEGRASTATS_H
#define THERMPACE_TEGRASTATS_H

/*
 * One line of NVIDIA tegrastats output, every format from JetPack 4 to 7
 * (DESIGN §5):
 *
 *   [MM-DD-YYYY HH:MM:SS] RAM 1685/7854MB (lfb 1044x4MB) SWAP 278/8192MB (cached 23MB)
 *   CPU [23%@2201,4%@345,off] EMC_FREQ 3%@3199 GR3D_FREQ 12%@[1300,1300]
 *   BCPU@41C PMIC@100C cpu@52.968C/52.968C
 *   VDD_IN 1931/1931 | VDD_IN 5079mW/5079mW | VDD_GPU_SOC 5139mW/5139mW/5139mW
 *
 * Rails print milliwatts (JetPack 4 without the unit); the first value is
 * the instantaneous one, the second the running average (JetPack 7 adds a
 * third, kept as is). Fields this parser does not know (APE, MTS, NVENC,
 * VIC_FREQ, ...) are skipped, so a newer tegrastats still parses.
 *
 * Parsing does not allocate; a sample is a fixed-size value.
 */

#include <stddef.h>

#include "channel.h"

#define TP_TEGRA_MAX_CPUS  32
#define TP_TEGRA_MAX_TEMPS 32
#define TP_TEGRA_MAX_RAILS 32
#define TP_TEGRA_NAME_MAX  32

struct tp_tegra_cpu {
	int online;	/* 0 for "off" */
	double util;	/* 0..1 */
	double freq_hz; /* NaN when the line gives no frequency */
};

struct tp_tegra_temp {
	char name[TP_TEGRA_NAME_MAX]; /* as printed: "CPU", "Tdiode", "soc2" */
	double c;		      /* °C, the first value on JetPack 7 */
	/* NULL for a reading that is heat; else why it is not (static string) */
	const char *invalid;
};

struct tp_tegra_rail {
	char name[TP_TEGRA_NAME_MAX]; /* as printed: "VDD_IN", "POM_5V_GPU" */
	double cur_w;		      /* instantaneous, W */
	double avg_w;		      /* running average, W (NaN if absent) */
	double third_w;		      /* JetPack 7's third value, W (NaN if absent) */
};

struct tp_tegra_sample {
	int has_stamp;
	long long stamp_s; /* MM-DD-YYYY HH:MM:SS as seconds since 1970 (board's local time) */
	double ram_used_mb, ram_total_mb;   /* NaN when absent */
	double swap_used_mb, swap_total_mb; /* NaN when absent */
	int ncpu;
	struct tp_tegra_cpu cpu[TP_TEGRA_MAX_CPUS];
	double emc_util, emc_freq_hz; /* NaN when absent */
	double gpu_util, gpu_freq_hz; /* GR3D; several GPCs: the highest clock */
	int ntemps;
	struct tp_tegra_temp temps[TP_TEGRA_MAX_TEMPS];
	int nrails;
	struct tp_tegra_rail rails[TP_TEGRA_MAX_RAILS];
};

/*
 * Parses one line (a trailing newline is allowed). Returns 0, or -EINVAL
 * with a lowercase reason in err[n] for a line that is not tegrastats output
 * or whose known fields are malformed. *out is written only on success.
 */
int tp_tegrastats_parse(const char *line, struct tp_tegra_sample *out, char *err, size_t n);

/*
 * Channels of a sample, named per the shared vocabulary:
 *   util.cpu (mean of online CPUs), freq.cpu (first online CPU, Hz),
 *   util.emc, freq.emc, util.gpu, freq.gpu,
 *   temp.<name lowercased>, power.<rail lowercased> (W, the instantaneous
 *   value), and power.board for the board-total rail (VDD_IN, POM_5V_IN,
 *   VIN_SYS_5V0).
 * Adds each channel to set (a channel already there keeps its index) and
 * writes its value into v[index]; v must hold TP_MAX_CHANNELS values and
 * is not cleared first. An invalid temperature adds its channel with no
 * value. Returns the number of channels written, -ENOSPC when set is full.
 */
int tp_tegrastats_frame(const struct tp_tegra_sample *s, struct tp_chanset *set, double *v);

/* Channel name of a temperature or rail as printed ("temp.cpu"), into out[n]. */
int tp_tegrastats_temp_channel(const char *name, char *out, size_t n);
int tp_tegrastats_rail_channel(const char *name, char *out, size_t n);

/* 1 when the rail is a board total (VDD_IN, POM_5V_IN, VIN_SYS_5V0). */
int tp_tegrastats_rail_is_total(const char *name);

#endif
