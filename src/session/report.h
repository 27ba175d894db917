#ifndef THERMPACE_REPORT_H
#define THERMPACE_REPORT_H

/*
 * The session report (`thermpace report DIR [DIR2] -o FILE.html`): one
 * self-contained HTML page, no network, that answers "did pacing keep the
 * board under its ceiling, and at what cost per token?".
 *
 *   a summary      board, duration, tokens, joules, joules per token gross
 *                  and net of idle (the one energy account, energy.h: the
 *                  replay's pipeline's, as its energy_summary), seconds
 *                  over the ceiling, peak temperature, the battery's state
 *                  of charge (lowest, last) when there is one, throttles by
 *                  verdict, faults found
 *   charts         temperatures with ceiling and set point, the 120 s
 *                  forecast with its band, the true die temperature of a
 *                  simulated session; power with a rolling J/token; the
 *                  battery's state of charge against battery and solar
 *                  watts (battery.*, solar.*, energy_budget); token rate
 *                  granted and achieved, with the energy and thermal
 *                  budgets; clocks; cooling states as steps; a spectrogram
 *                  of audio.wav with the tonal lines tracked over its own
 *                  columns; events as markers by kind, clustered where dense
 *   tables         events with verdict, confidence, clause and evidence as
 *                  columns (the raw JSON folded away)
 *
 * The pipeline is replayed over each session (replay.h), reading its
 * telemetry for the page as it goes, for what the telemetry lacks:
 * forecast channels, the ceiling, the energy account, and the events when
 * the session has no events.jsonl (the audio then analysed by the replay
 * as well; with events.jsonl it is decoded once, for the spectrogram). Two
 * sessions are drawn side by side on the same axes.
 */

#include <stddef.h>
#include <stdio.h>

#define TP_REPORT_MAX_SESSIONS 2

/*
 * Writes the page of dirs[0..n) (1 or 2 session directories) to f.
 * Returns 0 or a negative errno; err[errn] then says what failed. Write
 * errors stay on f (ferror), errno left as the failed write set it.
 */
int tp_report_write(FILE *f, const char *const *dirs, int n, char *err, size_t errn);

#endif
