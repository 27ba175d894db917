/*
 * Fuzz target: the session readers behind `thermpace report` and replay:
 * manifest.ini as tp_manifest_read gives it meaning (src/session/session.c)
 * and events.jsonl as report reads it (src/session/report_load.c, through
 * the command, src/cli/cmd_report.c, built into this target whole). The
 * input is manifest.ini, then a line "%%", then events.jsonl; they are
 * written with a short fixed telemetry.csv into a session directory this
 * target made under /tmp, and report writes its page there too.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_report.c"
#include "ini_file.h"
#include "session/session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], html[128], man[128], evs[128], csv[128];

/* A plain write: the atomic writer's fsync would make each run slow. */
static int put(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "we");
	int ret = 0;

	if (!f)
		return -1;
	if (len && fwrite(buf, 1, len, f) != len)
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}

static void cleanup(void)
{
	unlink(html);
	unlink(man);
	unlink(evs);
	unlink(csv);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char telemetry[] = "t,temp.cpu_c,power.board_w,freq.cpu0_hz\n"
					"0.0,45.0,3.1,1479000000\n"
					"0.5,45.5,3.2,1479000000\n"
					"1.0,46.0,3.3,1224000000\n"
					"1.5,,3.3,1224000000\n"
					"2.0,47.0,3.4,921600000\n";

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz-session-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(man, sizeof(man), "%s/manifest.ini", dir);
	snprintf(evs, sizeof(evs), "%s/events.jsonl", dir);
	snprintf(csv, sizeof(csv), "%s/telemetry.csv", dir);
	atexit(cleanup);
	if (put(csv, telemetry, sizeof(telemetry) - 1) < 0)
		abort();
	return 0;
}

/* A manifest read whole: strings ended, numbers as the reader promises. */
static void check_manifest(const struct tp_manifest *m)
{
	if (strnlen(m->version, sizeof(m->version)) == sizeof(m->version) ||
	    strnlen(m->board, sizeof(m->board)) == sizeof(m->board) ||
	    strnlen(m->source, sizeof(m->source)) == sizeof(m->source) ||
	    strnlen(m->audio_file, sizeof(m->audio_file)) == sizeof(m->audio_file) ||
	    strnlen(m->audio_format, sizeof(m->audio_format)) == sizeof(m->audio_format))
		abort();
	if (!(m->interval_s > 0))
		abort();
	/* the audio file is a name in the session directory, never a path out of it */
	if (m->audio_rate > 0 && (strchr(m->audio_file, '/') || strcmp(m->audio_file, "..") == 0 ||
				  strcmp(m->audio_file, ".") == 0 || !m->audio_file[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *sep;
	char *argv[] = {(char *)"report", (char *)"-o", html, dir, NULL};
	struct tp_manifest m;
	struct tp_ini ini;
	char err[512];
	size_t mlen = size;

	sep = memmem(p, size, "\n%%\n", 4);
	if (sep)
		mlen = (size_t)(sep - p) + 1;
	unlink(evs);
	if (put(man, p, mlen) < 0 || (sep && put(evs, sep + 4, size - mlen - 3) < 0))
		abort();
	memset(&ini, 0, sizeof(ini));
	if (tp_manifest_read(&m, &ini, dir, err, sizeof(err)) == 0) {
		check_manifest(&m);
		tp_ini_free(&ini);
	} else if (!err[0]) {
		abort(); /* a refusal says why */
	}
	cmd_report(4, argv);
	return 0;
}
