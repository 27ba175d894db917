#ifndef THERMPACE_DSP_SNDFILE_H
#define THERMPACE_DSP_SNDFILE_H

/*
 * libsndfile, loaded when a WAV file is first opened or written
 * (src/dynlib.h says why): the functions dsp/wav.c and the simulator's
 * writer call, through one table.
 */

#include <sndfile.h>
#include <stddef.h>

struct dsp_sndfile {
	void *handle;
	__typeof__(sf_open) *open;
	__typeof__(sf_open_virtual) *open_virtual;
	__typeof__(sf_open_fd) *open_fd;
	__typeof__(sf_strerror) *strerror;
	__typeof__(sf_readf_float) *readf_float;
	__typeof__(sf_seek) *seek;
	__typeof__(sf_error) *error;
	__typeof__(sf_close) *close;
	__typeof__(sf_command) *command;
	__typeof__(sf_writef_short) *writef_short;
	__typeof__(sf_writef_int) *writef_int;
	__typeof__(sf_writef_float) *writef_float;
	__typeof__(sf_write_float) *write_float;
};

/* The loaded table, or NULL with "cannot load libsndfile.so.1: why" in err[n]. */
const struct dsp_sndfile *dsp_sndfile(char *err, size_t n);

#endif
