/*
 * Fuzz target: a WAV/RF64 image through libsndfile's virtual I/O (the
 * reader), then a bounded number of its frames through the analyzer.
 */
#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "wav.h"

#define MAX_FRAMES (1 << 18)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsp_wav_reader *r = NULL;
	struct dsp_analyzer *a = NULL;
	struct dsp_second s;
	static float buf[4096];
	char err[256];
	long got, total = 0;
	int ch;

	if (dsp_wav_reader_open_mem(&r, data, size, err, sizeof(err)) < 0)
		return 0;
	ch = dsp_wav_reader_info(r)->channels > 1 ? 1 : DSP_CHANNEL_MIX;
	if (dsp_analyzer_open(&a, dsp_wav_reader_info(r)->rate, NULL) < 0) {
		dsp_wav_reader_close(r);
		return 0;
	}
	while (total < MAX_FRAMES && (got = dsp_wav_reader_read_mono(r, ch, buf, 4096)) > 0) {
		size_t off = 0;

		total += got;
		while (off < (size_t)got) {
			off += dsp_analyzer_push(a, buf + off, (size_t)got - off);
			while (dsp_analyzer_next_second(a, &s) == 1)
				;
		}
	}
	dsp_analyzer_finish(a);
	while (dsp_analyzer_next_second(a, &s) == 1)
		;
	dsp_analyzer_close(a);
	dsp_wav_reader_close(r);
	return 0;
}
