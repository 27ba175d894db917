#ifndef THERMPACE_PACE_STATE_H
#define THERMPACE_PACE_STATE_H

/*
 * What the daemon changed, kept on disk so that it can be put back even
 * when the daemon cannot do it itself.
 *
 * Before each change the daemon records the original (a file's value, a
 * cgroup it creates, a process group it may stop) in
 * RUNTIME/state-PID.json, written atomically. On every exit it can catch,
 * it restores and removes the file. A guardian process (forked at start,
 * waiting on a pipe) restores from the same file when the daemon dies
 * without doing so (SIGKILL, a crash): a stopped inference process is
 * continued, caps are lifted, cgroups are emptied and removed.
 * `thermpace restore` does the same for any file left behind.
 *
 * The file: {"version":1,"pid":N,"start_ticks":T,"entries":[...]} with
 * entries {"kind":"file","path":P,"value":V}, {"kind":"cgroup","path":DIR,
 * "return_to":PROCS_FILE}, {"kind":"signal","pid":N,"group":true}; they are
 * undone last first.
 */

#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

struct tp_pace_state {
	char path[4096];
	json_t *root;	 /* owned */
	json_t *entries; /* borrowed from root */
	int guard_fd;	 /* write end of the guardian's pipe, -1 when none */
	pid_t guard_pid;
};

/*
 * The runtime directory into out[n]: override when given, else
 * $THERMPACE_RUNTIME_DIR, else $XDG_RUNTIME_DIR/thermpace, else
 * /run/thermpace (the client library looks in the same places).
 */
int tp_pace_runtime_dir(char *out, size_t n, const char *override);

/*
 * 0 when dir is a directory (not a link) owned by the effective user or
 * root that no one else can write; -EPERM when another user could, -ENOENT,
 * -ENOTDIR. State files are trusted only there, and only when they are
 * regular files of that user that no one else can write; a restore writes
 * back only what the daemon writes (cpufreq and devfreq caps, a cgroup's
 * cpu files, cgroups named thermpace-PID), never another path.
 */
int tp_pace_state_check_dir(const char *dir);

/* Creates the runtime directory (0750, refused when untrusted) and RUNTIME/state-PID.json. */
int tp_pace_state_open(struct tp_pace_state *st, const char *runtime_dir);

/*
 * Records path's current value (read now) before the caller changes it;
 * a path already recorded keeps its first value. The journal is on disk
 * when this returns 0.
 */
int tp_pace_state_file(struct tp_pace_state *st, const char *path);

/* Records a value the caller read itself (the same rules). */
int tp_pace_state_file_value(struct tp_pace_state *st, const char *path, const char *value);

/* A cgroup directory the daemon created: processes go back to return_to. */
int tp_pace_state_cgroup(struct tp_pace_state *st, const char *dir, const char *return_to);

/* A process (group when group != 0) the daemon may stop: continued on restore. */
int tp_pace_state_signal(struct tp_pace_state *st, pid_t pid, int group);

/*
 * Forks the guardian: it leaves the terminal's process group, ignores
 * terminal and termination signals, and when the daemon's end of the pipe
 * closes (any death), restores from the state file if it still exists;
 * then (the daemon having died) it copies what the child still writes on
 * fwd_out / fwd_err (the read ends of its output pipes, -1: none) to its
 * own stdout / stderr, so that the child is not killed by a broken pipe.
 */
int tp_pace_state_guard(struct tp_pace_state *st, int fwd_out, int fwd_err);

/*
 * Asks the guardian to keep an anchor process in process group pgid (the
 * inference process's), so that the daemon's death does not orphan that
 * group: the kernel would hang up an orphaned group with a stopped member
 * (SIGHUP kills it) before the guardian continues it. The anchor's parent
 * (a keeper in the guardian's group) outlives the guardian: with daemon and
 * guardian both killed, a stopped group stays stopped until `thermpace
 * restore` continues it; the keeper then forwards the child's output and
 * ends once no member is stopped and the output is closed.
 */
int tp_pace_state_anchor(struct tp_pace_state *st, pid_t pgid);

/*
 * Undoes every entry (last first), removes the file, lets the guardian go
 * and reaps it. Returns 0 or the first error; log (may be NULL) gets one
 * line per failure. st stays valid for tp_pace_state_close.
 */
int tp_pace_state_restore(struct tp_pace_state *st, FILE *log);

/* Frees (does not restore). */
void tp_pace_state_close(struct tp_pace_state *st);

/* Restores from one state file and removes it; *undone counts entries. */
int tp_pace_state_restore_file(const char *path, FILE *log, int *undone);

/*
 * `thermpace restore`: every state-*.json in the runtime directory whose
 * daemon is gone (or all with force). *files counts those restored.
 */
int tp_pace_state_restore_dir(const char *runtime_dir, int force, FILE *log, int *files);

/* 1 when pid runs and started at start_ticks (0: any start). */
int tp_pace_state_pid_alive(pid_t pid, unsigned long long start_ticks);

/* The start time of pid in clock ticks since boot (/proc/PID/stat field 22). */
int tp_pace_state_start_ticks(pid_t pid, unsigned long long *out);

#endif
