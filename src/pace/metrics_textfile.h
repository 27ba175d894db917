#ifndef THERMPACE_METRICS_TEXTFILE_H
#define THERMPACE_METRICS_TEXTFILE_H

/*
 * The /metrics text as a file, DIR/thermpace.prom, for node_exporter's
 * textfile collector (--collector.textfile.directory=DIR) on hosts where
 * Prometheus scrapes node_exporter only.
 *
 * Each write is atomic: the text goes to DIR/.thermpace.prom.tmp (created
 * afresh, never through a link: O_EXCL|O_NOFOLLOW), then is renamed over
 * thermpace.prom, so the collector reads a whole file, the old one or the
 * new one, and a link planted at either name is replaced, never followed.
 * The names are resolved under a descriptor of DIR taken at open. No fsync:
 * the file is rewritten every second and means nothing after a reboot.
 * Close removes the file, so a stopped daemon leaves no stale readings.
 */

#include <stddef.h>

struct tp_metrics;
struct tp_metrics_textfile;

/*
 * Opens DIR (it must exist and be a directory) and writes a first file. On
 * failure err[n] says why.
 */
int tp_metrics_textfile_open(struct tp_metrics_textfile **out, const char *dir,
			     struct tp_metrics *m, char *err, size_t n);

/* Renders m and replaces the file; 0 or a negative errno. */
int tp_metrics_textfile_write(struct tp_metrics_textfile *tf, struct tp_metrics *m);

/* Path of the file. */
const char *tp_metrics_textfile_path(const struct tp_metrics_textfile *tf);

/* Removes the file and frees tf (NULL: nothing). */
void tp_metrics_textfile_close(struct tp_metrics_textfile *tf);

#endif
