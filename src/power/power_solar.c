#include "power/power_solar.h"

#include <math.h>

#define DEG (M_PI / 180.0)

void power_panel_default(struct power_panel *p)
{
	p->rating_w = 100.0;
	p->tilt_deg = 30.0;
	p->azimuth_deg = 180.0;
	p->gamma_per_k = -0.004;
	p->noct_c = 45.0;
	p->albedo = 0.2;
}

/* Day of the year from 0 and hour of the day (UTC) of a Unix time. */
static void power_solar_day(double t_unix, double *doy, double *hour)
{
	double days = floor(t_unix / 86400.0);
	double y400, d = days + 719468.0; /* days since 0000-03-01 */
	double era = floor(d / 146097.0), doe = d - era * 146097.0;
	double yoe = floor(
	    (doe - floor(doe / 1460.0) + floor(doe / 36524.0) - floor(doe / 146096.0)) / 365.0);
	double doy_mar = doe - (365.0 * yoe + floor(yoe / 4.0) - floor(yoe / 100.0));
	double y = yoe + era * 400.0 + (doy_mar >= 306.0 ? 1.0 : 0.0);
	double leap;

	y400 = fmod(y, 400.0);
	leap = (fmod(y, 4.0) == 0.0 && (fmod(y, 100.0) != 0.0 || y400 == 0.0)) ? 1.0 : 0.0;
	/* March-based day to January-based day. */
	*doy = doy_mar >= 306.0 ? doy_mar - 306.0 : doy_mar + 59.0 + leap;
	*hour = (t_unix - days * 86400.0) / 3600.0;
}

void power_solar_position(const struct power_site *s, double t_unix, double *cos_zenith,
			  double *azimuth_deg)
{
	double doy, hour, g, eqt, decl, tst, ha, lat = s->lat_deg * DEG, cz, az;

	power_solar_day(t_unix, &doy, &hour);
	g = 2.0 * M_PI / 365.0 * (doy + (hour - 12.0) / 24.0);
	eqt = 229.18 * (0.000075 + 0.001868 * cos(g) - 0.032077 * sin(g) - 0.014615 * cos(2 * g) -
			0.040849 * sin(2 * g));
	decl = 0.006918 - 0.399912 * cos(g) + 0.070257 * sin(g) - 0.006758 * cos(2 * g) +
	       0.000907 * sin(2 * g) - 0.002697 * cos(3 * g) + 0.00148 * sin(3 * g);
	tst = hour * 60.0 + eqt + 4.0 * s->lon_deg;
	ha = (tst / 4.0 - 180.0) * DEG;
	cz = sin(lat) * sin(decl) + cos(lat) * cos(decl) * cos(ha);
	az = atan2(sin(ha), cos(ha) * sin(lat) - tan(decl) * cos(lat)) / DEG + 180.0;
	*cos_zenith = cz > 1.0 ? 1.0 : cz;
	*azimuth_deg = fmod(az + 360.0, 360.0);
}

double power_solar_clear_ghi(double cos_zenith)
{
	if (cos_zenith <= 0.0)
		return 0.0;
	return 1098.0 * cos_zenith * exp(-0.057 / cos_zenith);
}

/* Erbs et al. (1982): diffuse fraction from the clearness index. */
static double power_solar_erbs(double kt)
{
	if (kt <= 0.22)
		return 1.0 - 0.09 * kt;
	if (kt <= 0.80)
		return 0.9511 - 0.1604 * kt + 4.388 * kt * kt - 16.638 * kt * kt * kt +
		       12.336 * kt * kt * kt * kt;
	return 0.165;
}

double power_solar_poa(const struct power_site *s, const struct power_panel *p, double t_unix,
		       double ghi)
{
	double cz, az, doy, hour, e0, kt, dhi, dni, cos_aoi, sz, tilt = p->tilt_deg * DEG, poa;

	if (!(ghi > 0.0))
		return 0.0;
	power_solar_position(s, t_unix, &cz, &az);
	power_solar_day(t_unix, &doy, &hour);
	if (cz < 0.0)
		cz = 0.0;
	e0 = 1367.0 * (1.0 + 0.033 * cos(2.0 * M_PI * doy / 365.0));
	/* Low sun: the beam share is not trusted below about 3 degrees. */
	kt = cz > 0.05 ? ghi / (e0 * cz) : 0.0;
	if (kt > 1.0)
		kt = 1.0;
	dhi = power_solar_erbs(kt) * ghi;
	dni = cz > 0.05 ? (ghi - dhi) / cz : 0.0;
	sz = sqrt(1.0 - cz * cz);
	cos_aoi = cz * cos(tilt) + sz * sin(tilt) * cos((az - p->azimuth_deg) * DEG);
	if (cos_aoi < 0.0)
		cos_aoi = 0.0;
	poa = dni * cos_aoi + dhi * (1.0 + cos(tilt)) / 2.0 +
	      ghi * p->albedo * (1.0 - cos(tilt)) / 2.0;
	return poa > 0.0 ? poa : 0.0;
}

double power_solar_panel_w(const struct power_panel *p, double poa, double t_air_c)
{
	double t_cell, w;

	if (!(poa > 0.0))
		return 0.0;
	if (!isfinite(t_air_c))
		t_air_c = 20.0;
	t_cell = t_air_c + poa / 800.0 * (p->noct_c - 20.0);
	w = p->rating_w * poa / 1000.0 * (1.0 + p->gamma_per_k * (t_cell - 25.0));
	return w > 0.0 ? w : 0.0;
}

double power_solar_clear_w(const struct power_site *s, const struct power_panel *p, double t_unix)
{
	double cz, az;

	power_solar_position(s, t_unix, &cz, &az);
	return power_solar_panel_w(p, power_solar_poa(s, p, t_unix, power_solar_clear_ghi(cz)),
				   20.0);
}
