#ifndef THERMPACE_POWER_SOLAR_H
#define THERMPACE_POWER_SOLAR_H

/*
 * The sun and a panel, without any network:
 *
 *  - position: Spencer's series for declination and the equation of time
 *    (NOAA's general solar position formulas), good to about 0.5 degree,
 *    from latitude, longitude and a UTC time (Unix seconds);
 *  - clear sky: Haurwitz's global horizontal irradiance
 *    GHI = 1098 cos z exp(-0.057 / cos z) W/m²;
 *  - plane of array: Erbs's split of GHI into beam and diffuse, then an
 *    isotropic sky and ground reflection (albedo) on the tilted panel;
 *  - panel: rating·POA/1000 derated by gamma per kelvin of cell temperature
 *    above 25 °C, the cell at T_air + POA/800·(NOCT - 20).
 *
 * Angles are degrees; azimuth is clockwise from north (180 = south).
 */

struct power_site {
	double lat_deg, lon_deg; /* north and east positive */
};

struct power_panel {
	double rating_w;    /* STC rating, W */
	double tilt_deg;    /* 0 = flat */
	double azimuth_deg; /* direction the panel faces */
	double gamma_per_k; /* power temperature coefficient, e.g. -0.004 */
	double noct_c;	    /* nominal operating cell temperature, e.g. 45 */
	double albedo;	    /* ground reflectance, e.g. 0.2 */
};

void power_panel_default(struct power_panel *p);

/* Cosine of the zenith angle (negative at night) and the sun's azimuth. */
void power_solar_position(const struct power_site *s, double t_unix, double *cos_zenith,
			  double *azimuth_deg);

/* Haurwitz clear-sky GHI, W/m² (0 with the sun below the horizon). */
double power_solar_clear_ghi(double cos_zenith);

/* Irradiance on the panel's plane, W/m², from a measured GHI at t_unix. */
double power_solar_poa(const struct power_site *s, const struct power_panel *p, double t_unix,
		       double ghi);

/* Panel DC power at its maximum power point, W. */
double power_solar_panel_w(const struct power_panel *p, double poa, double t_air_c);

/* The panel's clear-sky power at t_unix (air at 20 °C), W. */
double power_solar_clear_w(const struct power_site *s, const struct power_panel *p, double t_unix);

#endif
