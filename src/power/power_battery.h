#ifndef THERMPACE_POWER_BATTERY_H
#define THERMPACE_POWER_BATTERY_H

/*
 * State of charge of a LiFePO4 battery from its current and voltage.
 *
 * Coulomb counting carries the estimate: soc += I·dt·(eta if charging)/C.
 * Its error grows with the current sensor's offset and with a capacity that
 * has faded, so a voltage reading corrects it, but only where LiFePO4's
 * curve says something: between about 20 % and 95 % the open-circuit
 * voltage moves by roughly 1 mV per percent per cell, less than the
 * reading's error, so there the voltage is ignored. A correction needs
 *
 *  - the battery near rest: |I| <= rest_c·C for at least rest_s, so that
 *    polarization has settled; the open-circuit voltage is then V - I·r_ohm;
 *  - that voltage on a knee: the table's slope there at least knee_mv_pct
 *    (mV per percent, whole pack): with the default 15, below 20 % or
 *    above 99 % of the table in power_battery.c;
 *  - or the charger's end of absorption: V >= full_v with a charging current
 *    at most tail_c·C, which sets the estimate to 100 %.
 *
 * Each correction is an anchor. Between two anchors at least 30 points of
 * state of charge apart, the charge counted divided by the change of state
 * of charge is a measurement of the capacity, folded into the estimate with
 * learn_gain (the capacity is learned; the nominal one only starts it).
 *
 * The estimate's uncertainty grows between anchors with the sensor's error
 * bounds (power_battery_uncertainty): a budget plans on soc minus it.
 *
 * Currents are amperes, positive into the battery; voltages are the pack's.
 */

/* A LiFePO4 cell's nominal voltage: charge times it is energy. */
#define POWER_LIFEPO4_NOMINAL_V 3.2

struct power_battery_cfg {
	double capacity_ah; /* nominal, the learning's start */
	double cells;	    /* in series (4 for a 12.8 V pack) */
	double eta_charge;  /* coulombic efficiency when charging */
	double rest_c;	    /* rest: |I| at most this fraction of C per hour */
	double rest_s;	    /* for at least this long */
	double r_ohm;	    /* internal resistance for the IR correction */
	double knee_mv_pct; /* least OCV slope (pack mV per %) trusted */
	double full_v;	    /* end of absorption, pack volts */
	double tail_c;	    /* tail current at full, fraction of C */
	double learn_gain;  /* weight of a new capacity measurement */
	double offset_a;    /* bound on the current sensor's offset, A */
	double gain_err;    /* bound on its gain error, fraction */
};

struct power_battery {
	struct power_battery_cfg cfg;
	double soc;	    /* 0..1 */
	double capacity_ah; /* learned */
	double rest_for_s;
	double anchor_soc, ah_since_anchor;
	double s_since_anchor, ah_abs_since_anchor; /* for the uncertainty */
	int have_anchor;
	long corrections, learned;
};

void power_battery_cfg_default(struct power_battery_cfg *c);
void power_battery_init(struct power_battery *b, const struct power_battery_cfg *c, double soc0);

/* One step of dt_s seconds; returns 1 when a voltage anchor corrected it. */
int power_battery_update(struct power_battery *b, double dt_s, double current_a, double voltage_v);

/* Open-circuit voltage of a pack of `cells` at soc (LiFePO4 table). */
double power_battery_ocv(double cells, double soc);

/* State of charge at an open-circuit voltage, and the slope there (pack mV per %). */
double power_battery_ocv_soc(double cells, double volts, double *slope_mv_pct);

/*
 * How far the estimate may be off: 1 % after an anchor, growing with the
 * sensor's offset bound times the time since it and its gain error bound
 * times the charge moved since it; 5 % more before the first anchor.
 */
double power_battery_uncertainty(const struct power_battery *b);

#endif
