#ifndef THERMPACE_POWER_SOURCE_H
#define THERMPACE_POWER_SOURCE_H

/*
 * An energy source: whatever tells the daemon about the battery and the
 * harvest (the Linux power_supply class, Network UPS Tools, a VE.Direct
 * charge controller, INA channels a board profile labels battery or solar).
 * Each gives the same small reading, NaN for what it does not know; the
 * daemon's energy budget (src/pace/pace_energy.h) merges the readings of
 * every source it opened, the first that knows a field winning.
 *
 * A source is a table of two functions and a context:
 *
 *   read   fills a reading (already cleared to NaN by power_source_read);
 *          0, or a negative errno when nothing could be read this time
 *          (the budget then keeps its last reading and says so once)
 *   close  frees ctx; a source with no ctx passes NULL or a no-op
 *
 * A new kind of source is one file with an open function filling a struct
 * power_source (power_source_supply_open below is the pattern) and a line
 * where the daemon opens it.
 *
 * Signs and units: power and current positive into the battery, W and A;
 * soc 0..1; capacity Wh; runtime s; grid 1 while the load runs from the
 * mains (a UPS on line, a mains adapter online), 0 on battery, NaN unknown:
 * on the mains the energy budget does not limit.
 */

struct power_reading {
	double soc;	    /* state of charge the source reports, 0..1 */
	double voltage_v;   /* battery terminals */
	double current_a;   /* into the battery */
	double power_w;	    /* into the battery */
	double capacity_wh; /* full charge */
	double runtime_s;   /* the source's own estimate of the time left */
	double solar_w;	    /* the panel's power (a charge controller's PV input) */
	double load_w;	    /* the load's power (a UPS's output) */
	double input_w;	    /* power taken from the mains or the charger's input */
	double grid;	    /* 1 on the mains, 0 on battery */
};

struct power_source_ops {
	const char *kind; /* "power_supply", "nut", "vedirect", ... */
	int (*read)(void *ctx, struct power_reading *r);
	void (*close)(void *ctx);
	/* optional: why the last read failed, in words ("upsd at ...: ..."); NULL: strerror */
	const char *(*why)(void *ctx);
};

struct power_source {
	char name[96]; /* what the user would recognise: "power_supply:BAT0", "nut:ups@host" */
	const struct power_source_ops *ops;
	void *ctx;     /* owned by the source */
	char why[160]; /* why the last read failed ("" after one that did not) */
};

/* Every field NaN. */
void power_reading_clear(struct power_reading *r);

/* Fields of dst still NaN taken from src. */
void power_reading_merge(struct power_reading *dst, const struct power_reading *src);

/* Clears r, then the source's read; a failure's reason in s->why. */
int power_source_read(struct power_source *s, struct power_reading *r);

/* The source's close; s may be closed twice. */
void power_source_close(struct power_source *s);

/*
 * A battery of the power_supply class as a source: NAME, or with name NULL
 * the first supply of type Battery (sorted by name). A mains or USB supply
 * online beside it sets grid, but for the one named solar (the panel's
 * input: power_source_solar_open; NULL: none). -ENOENT when there is no
 * such battery.
 *
 * A read fails when the battery was removed (-ENODEV) or says nothing of
 * its charge (-ENODATA: no capacity, energy or charge, and not both voltage
 * and current: a fuel gauge whose reads fail); the next read opens it again
 * by name, the supplies beside it too, so a battery that comes back is read
 * again.
 */
int power_source_supply_open(struct power_source *s, const char *root, const char *name,
			     const char *solar);

/*
 * A supply of the power_supply class that is the panel's input to the
 * charge controller (a USB or Mains supply whose VBUS the panel feeds), as
 * a source of solar_w alone: its power_now, else voltage_now x current_now
 * (the ABI's VBUS voltage and IBUS current supplied now); 0 while it is
 * offline (no panel voltage: night). Only the user can say a supply is the
 * panel: a mains adapter reads the same. Removed or without a power
 * reading, reads fail (-ENODEV, -ENODATA) and open it again by name.
 * -ENOENT when there is no such supply.
 */
int power_source_solar_open(struct power_source *s, const char *root, const char *name);

#endif
