#ifndef THERMPACE_POWER_SUPPLY_H
#define THERMPACE_POWER_SUPPLY_H

/*
 * A battery or charger of the Linux power_supply class
 * (ROOT/sys/class/power_supply/NAME/, Documentation/ABI/testing/
 * sysfs-class-power): capacity (%), energy_now and energy_full (µWh),
 * charge_now and charge_full (µAh), voltage_now (µV), current_now (µA),
 * power_now (µW), online, status, type. Attributes a driver lacks read as
 * NaN (numbers) or "" (words).
 *
 * Signs: drivers disagree (some report current_now negative while
 * discharging, others always positive with the direction in status). The
 * reading is normalized to positive into the battery: a positive current or
 * power while status is "Discharging" is negated.
 *
 * Lifecycle: open (descriptors kept), read each tick (pread, no
 * allocation), close.
 */

#define POWER_SUPPLY_NATTR 11
#define POWER_SUPPLY_MAX   16 /* supplies listed at most */

struct power_supply {
	char name[64];
	int fd[POWER_SUPPLY_NATTR]; /* -1: the driver lacks it */
	int fd_status, fd_type;
};

struct power_supply_reading {
	double capacity; /* 0..1 */
	double energy_wh, energy_full_wh;
	double charge_ah, charge_full_ah;
	double voltage_v, current_a, power_w; /* positive into the battery */
	double online;			      /* a charger's or mains' input: 1, 0 */
	char status[24];		      /* "Charging", "Discharging", "Full", ... */
	char type[24];			      /* "Battery", "Mains", "USB", ... */
};

/* Names under ROOT/sys/class/power_supply (sorted); the count or a negative errno. */
int power_supply_list(const char *root, char names[][64], int max);

/* -ENOENT when the supply is not there. */
int power_supply_open(struct power_supply *ps, const char *root, const char *name);

/*
 * 0 with r filled; a negative errno when no attribute could be read, or
 * -ENODEV when the supply was removed (its files gone from under the
 * descriptors: open it again by name when it comes back).
 */
int power_supply_read(struct power_supply *ps, struct power_supply_reading *r);

/*
 * power_supply_read, and where the supply's files were replaced (-ENODEV:
 * removed, or removed and back) opened again by its name under root and
 * read once more: what is there now, or why not.
 */
int power_supply_read_again(struct power_supply *ps, const char *root,
			    struct power_supply_reading *r);

void power_supply_close(struct power_supply *ps);

#endif
