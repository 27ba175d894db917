/*
 * The sound model saved per board (docs/acoustics.md): read from
 * STATE/BOARD.sound.ini when the daemon's audio opens, written there when
 * it closes after it learned something, like the thermal model beside it
 * (STATE/BOARD.model.ini). STATE is $THERMPACE_STATE_DIR or
 * /var/lib/thermpace; one that is absent keeps nothing, one that another
 * user could write is never used.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "brain/sound.h"
#include "pace_daemon_impl.h"

/* STATE/BOARD.sound.ini in out[n]: 0, or < 0 when there is no usable one. */
static int sound_path(const struct daemon *d, char *out, size_t n, int quiet)
{
	const char *dir = d->o->state_dir;
	int ret;

	if (!dir || !dir[0] || !d->audio || strchr(d->b.name, '/') || !d->b.name[0])
		return -ENOENT;
	ret = tp_pace_state_check_dir(dir);
	if (ret == -EPERM && !quiet)
		tp_err(
		    "warning: the state directory '%s' is not a directory of uid %d or root that "
		    "only it can write: the sound model is neither read nor kept",
		    dir, (int)geteuid());
	if (ret < 0)
		return ret;
	if (snprintf(out, n, "%s/%s.sound.ini", dir, d->b.name) >= (int)n)
		return -ENAMETOOLONG;
	return 0;
}

void tp_pace_sound_load(struct daemon *d)
{
	struct tp_audio_agg *agg = tp_audio_live_agg(d->audio);
	char path[4096], err[512];
	int ret;

	if (!agg || sound_path(d, path, sizeof(path), 0) < 0)
		return;
	ret = tp_sound_load(tp_audio_agg_sound(agg), path, err, sizeof(err));
	if (ret == 0)
		tp_err("using the saved sound model '%s' for board %s", path, d->b.name);
	else if (ret != -ENOENT)
		tp_err("warning: the saved sound model is not used, learning starts afresh: %s",
		       err);
}

void tp_pace_sound_save(struct daemon *d)
{
	struct tp_audio_agg *agg = tp_audio_live_agg(d->audio);
	const struct tp_sound *s;
	char path[4096], err[512], when[64] = "none";
	int ret;

	if (!agg)
		return;
	s = tp_audio_agg_sound(agg);
	if (!isnan(s->first_judged_t))
		snprintf(when, sizeof(when), "at %.0f s", s->first_judged_t);
	if (s->learned == 0 && s->judged == 0)
		return; /* too short a run to say anything */
	if (s->learned == 0 || sound_path(d, path, sizeof(path), 1) < 0) {
		tp_err("sound model: %ld s learned, %ld judged, first judged second %s", s->learned,
		       s->judged, when);
		return;
	}
	ret = tp_sound_save(s, d->b.name, path, err, sizeof(err));
	if (ret < 0)
		tp_err("warning: the sound model is not kept: %s", err);
	else
		tp_err(
		    "sound model: %ld s learned, %ld judged, first judged second %s; kept in '%s'",
		    s->learned, s->judged, when, path);
}
