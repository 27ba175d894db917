#ifndef THERMPACE_POWER_IRRADIANCE_H
#define THERMPACE_POWER_IRRADIANCE_H

/*
 * Irradiance series: global horizontal irradiance (W/m²) and, where the
 * file has it, the air temperature (°C), at increasing UTC times.
 *
 *  - TMY3 (NREL, e.g. 723170TYA.CSV): a station line (id, name, state,
 *    time zone, latitude, longitude, elevation), a header, then hourly rows
 *    "MM/DD/YYYY,HH:MM,...": local standard time, the hour ending at HH:MM;
 *    GHI is column 5, dry-bulb column 32. Each value is stamped at the
 *    middle of its hour, in UTC.
 *  - PVGIS TMY (csv): "Latitude (decimal degrees): ..." and "Longitude",
 *    "Irradiance Time Offset (h)", then "time(UTC),T2m,RH,G(h),...", rows
 *    "YYYYMMDD:HHMM,..." stamped at HH:MM plus the offset.
 *  - plain: a header "time,ghi[,t_air]", time as Unix seconds or ISO 8601
 *    UTC ("2024-06-01T12:00:00Z", "2024-06-01 12:00"); no location (the
 *    scenario gives it).
 *
 * A typical meteorological year joins months of different years: TMY3 and
 * PVGIS rows are moved to the year 2001 (29 February dropped), so a year
 * runs January to December in order. Times must increase.
 */

#include <stddef.h>

enum power_irr_format { POWER_IRR_TMY3, POWER_IRR_PVGIS, POWER_IRR_PLAIN };

struct power_irradiance {
	size_t n;
	double *t;    /* Unix seconds, UTC, increasing */
	double *ghi;  /* W/m² */
	double *tair; /* °C, NaN where absent */
	int have_site;
	double lat_deg, lon_deg;
	enum power_irr_format format;
};

/* Loads path (at most 64 MiB); err gets "FILE:LINE: what" on failure. Free in any case. */
int power_irradiance_load(struct power_irradiance *ir, const char *path, char *err, size_t n);
int power_irradiance_load_mem(struct power_irradiance *ir, const char *text, size_t len,
			      const char *name, char *err, size_t n);
void power_irradiance_free(struct power_irradiance *ir);

const char *power_irradiance_format_name(enum power_irr_format f);

#endif
