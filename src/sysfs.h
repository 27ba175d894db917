#ifndef THERMPACE_SYSFS_H
#define THERMPACE_SYSFS_H

/*
 * Reading numbers out of sysfs attribute files kept open (DESIGN §5).
 *
 * Every sampling read goes through one seam, a pread(2)-shaped function
 * pointer, so that tests can inject the failures real hardware gives
 * (EIO from a sensor that stopped answering, ENODEV from a device that went
 * away, EAGAIN from a conversion in progress) the way SQLite injects faults
 * through its table of system calls. Nothing here allocates.
 */

#include <stddef.h>
#include <sys/types.h>

typedef ssize_t (*tp_pread_fn)(int fd, void *buf, size_t n, off_t off);

/*
 * Replaces the read seam (NULL restores pread). For tests only; the live
 * program never calls it.
 */
void tp_sysfs_set_pread(tp_pread_fn fn);

/*
 * Parses a sysfs integer such as "41500\n": optional blanks, an optional
 * sign, decimal digits, optional trailing blanks and newlines; s need not be
 * NUL-terminated. 0 and *out on success; -ENODATA when there is nothing but
 * blanks; -EINVAL when anything else is in the text; -ERANGE when it does
 * not fit in a long long.
 */
int tp_sysfs_parse_ll(const char *s, size_t len, long long *out);

/*
 * Largest of a blank-separated list of integers ("102000 204000 1479000"),
 * as in devfreq's available_frequencies. Same errors as tp_sysfs_parse_ll.
 */
int tp_sysfs_parse_max(const char *s, size_t len, long long *out);

/*
 * Reads the whole attribute at offset 0 through the seam into buf[n]
 * (NUL-terminated). Returns the length or a negative errno; -EFBIG when
 * the attribute does not fit.
 */
int tp_sysfs_pread(int fd, char *buf, size_t n);

/* tp_sysfs_pread then tp_sysfs_parse_ll. */
int tp_sysfs_read_ll(int fd, long long *out);

/*
 * Writes "value\n" to an existing attribute at path (no create, one write,
 * close-on-exec); value is at most 4 KiB. 0 or a negative errno.
 */
int tp_sysfs_write(const char *path, const char *value);

#endif
