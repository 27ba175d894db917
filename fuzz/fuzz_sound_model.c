/*
 * Fuzz target: a saved sound model (STATE/BOARD.sound.ini) as the daemon
 * and replay read it (tp_sound_parse in src/brain/sound_save.c); a model
 * that loads is then saved and read back (it must load again) and judges a
 * few seconds (no NaN or out-of-range index may crash the sound model).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brain/sound.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tp_sound s, back;

static void judge_some(struct tp_sound *m)
{
	struct tp_sound_verdict v;
	struct tp_sound_obs o;
	struct tp_sound_load l = {5.0, 10.0, 1.0};
	int k;

	memset(&o, 0, sizeof(o));
	o.nlines = 2;
	o.hz[0] = 5000;
	o.db[0] = -50;
	o.hz[1] = 900;
	o.db[1] = -60;
	o.nbands = 2;
	o.band_db[0] = -70;
	o.band_db[1] = -60;
	o.rms_db = -55;
	for (k = 0; k < 6; k++)
		tp_sound_push(m, k, &o, &l, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bands[] = {"audio.band_0_db", "audio.band_1_db"};
	char path[] = "/tmp/tp-fuzz-sound-XXXXXX", err[320];
	char *text = malloc(size + 1);
	int fd;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tp_sound_init(&s);
	tp_sound_set_bands(&s, bands, 2);
	if (tp_sound_parse(&s, text, "fuzz", err, sizeof(err)) == 0) {
		fd = mkstemp(path);
		if (fd >= 0) {
			close(fd);
			if (tp_sound_save(&s, "fuzz", path, err, sizeof(err)) == 0) {
				tp_sound_init(&back);
				tp_sound_set_bands(&back, bands, 2);
				if (tp_sound_load(&back, path, err, sizeof(err)) != 0)
					abort(); /* what was saved must load */
			}
			unlink(path);
		}
		judge_some(&s);
	}
	free(text);
	return 0;
}
