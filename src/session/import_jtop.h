#ifndef THERMPACE_IMPORT_JTOP_H
#define THERMPACE_IMPORT_JTOP_H

/*
 * jtop-style wide CSVs of a Jetson (jetson_stats' logger and the scripts
 * that copy its layout): a header of NAME-FIELD columns and one row a
 * second,
 *
 *   System-Time,...,CPU0-STATE,CPU0-CURR_FREQ,CPU0-CURR_LOAD,...,
 *   IGPU0-CURR_FREQ,IGPU0-CURR_LOAD,EMC-CURR_FREQ,...,
 *   cpu-thermal-CURR_TEMP,cpu-thermal-SW_THROTTLING_TEMP,...,
 *   VDD_GPU_SOC-IN_VOLTAGE,VDD_GPU_SOC-IN_CURRENT,VDD_GPU_SOC-IN_POWER,...,
 *   fan1-CURR_PWM,fan1-RPM_MEASURED,...
 *
 * Channels: util.cpu (mean load of the online cores / 100), freq.cpu (the
 * fastest online core, MHz to Hz), util.gpu and freq.gpu (IGPU0 or GPU),
 * freq.emc, temp.ZONE per "ZONE-thermal" (a gated engine's
 * -256000 or -256 becomes an empty cell), power.RAIL, volt.RAIL, curr.RAIL
 * per rail in W, V, A (from mW, mV, mA; RAIL lower-cased without a leading
 * VDD_ or VIN_, as the board profiles name them) and power.board, the sum
 * of the rails; state.fanN_pwm and state.fanN_rpm. The zones' throttle
 * trips of the first row are kept for the manifest. System-Time is a
 * time of day (wrapping at midnight) or a date and time. Other columns are
 * ignored. A row with a bad time, a wrong cell count or a mapped cell that
 * is not a number ("-" is an empty cell) is skipped and counted.
 */

#include <stddef.h>

#include "import_table.h"

/*
 * Parses a whole file held in memory into tb (initialised here; free it in
 * every case); the throttle trips of the first usable row go to trips[tn]
 * as "throttle_c.ZONE = X\n" lines (empty when none). Returns 0, -EINVAL
 * when the header has no time or no temperature column, -ENODATA without
 * a usable row (err says which), -ENOMEM.
 */
int tp_import_jtop_parse(struct tp_import_table *tb, const char *text, size_t len, char *trips,
			 size_t tn, char *err, size_t n);

#endif
