#include "sndfile_dl.h"

#include "dynlib.h"
#include "util.h"

static struct dsp_sndfile sn;

const struct dsp_sndfile *dsp_sndfile(char *err, size_t n)
{
	static const char *const sonames[] = {"libsndfile.so.1", NULL};
	const struct tp_dynsym syms[] = {
	    {"sf_open", (void **)&sn.open},
	    {"sf_open_virtual", (void **)&sn.open_virtual},
	    {"sf_open_fd", (void **)&sn.open_fd},
	    {"sf_strerror", (void **)&sn.strerror},
	    {"sf_readf_float", (void **)&sn.readf_float},
	    {"sf_seek", (void **)&sn.seek},
	    {"sf_error", (void **)&sn.error},
	    {"sf_close", (void **)&sn.close},
	    {"sf_command", (void **)&sn.command},
	    {"sf_writef_short", (void **)&sn.writef_short},
	    {"sf_writef_int", (void **)&sn.writef_int},
	    {"sf_writef_float", (void **)&sn.writef_float},
	    {"sf_write_float", (void **)&sn.write_float},
	};

	if (tp_dynlib_open(&sn.handle, sonames, syms, TP_ARRAY_LEN(syms), "libsndfile1", err, n) <
	    0)
		return NULL;
	return &sn;
}
