#ifndef THERMPACE_VCGENCMD_H
#define THERMPACE_VCGENCMD_H

/*
 * Raspberry Pi firmware queries through vcgencmd (DESIGN §5), run as a real
 * child process, and the parsers for what it prints:
 *
 *   vcgencmd get_throttled   ->  "throttled=0x50005"
 *       bit 0 under-voltage now, 1 arm frequency capped now, 2 throttled
 *       now, 3 soft temperature limit now; bits 16..19 the same "has
 *       occurred since boot" (sticky).
 *   vcgencmd pmic_read_adc   ->  one line per reading (Pi 5):
 *       "   VDD_CORE_A current(7)=0.71970460A"
 *       "   VDD_CORE_V volt(15)=0.86023440V"
 *       a rail's current and voltage pair by name (suffix _A / _V).
 */

#include <stddef.h>

#define TP_VCGENCMD_THROTTLE_NOW_MASK	 0xFul
#define TP_VCGENCMD_THROTTLE_STICKY_MASK 0xF0000ul

/* 0 and *bits; -EINVAL when text holds no "throttled=0x..." value. */
int tp_vcgencmd_parse_throttled(const char *text, size_t len, unsigned long *bits);

/*
 * The events between two readings: bits 0..3 set now, or whose sticky copy
 * (16..19) became set since prev. A sticky bit already set in prev hides
 * later occurrences; only the live bits show those.
 */
unsigned long tp_vcgencmd_throttle_events(unsigned long prev, unsigned long cur);

#define TP_VCGENCMD_PMIC_NAME_MAX 32

struct tp_vcgencmd_pmic_rail {
	char name[TP_VCGENCMD_PMIC_NAME_MAX]; /* without the _A/_V suffix */
	double volt_v;			      /* NaN when not printed */
	double curr_a;			      /* NaN when not printed */
};

/*
 * Parses pmic_read_adc output into rails[max] (pairing by name); returns
 * the number of rails, or -EINVAL when no line parses. Lines that do not
 * parse are skipped; rails beyond max are dropped.
 */
int tp_vcgencmd_parse_pmic(const char *text, size_t len, struct tp_vcgencmd_pmic_rail *rails,
			   int max);

/*
 * Runs "cmd arg" (cmd a path, no shell) with stdout into buf[n]
 * (NUL-terminated), stdin and stderr on /dev/null, and waits at most
 * timeout_ms for it to finish; a child still running then is killed.
 * Returns the output length; -ETIMEDOUT, -EFBIG (output too long), the
 * spawn's errno, or -EIO when the child exits non-zero.
 */
int tp_vcgencmd_run(const char *cmd, const char *arg, char *buf, size_t n, int timeout_ms);

#endif
