#ifndef THERMPACE_DYNLIB_H
#define THERMPACE_DYNLIB_H

/*
 * Optional libraries loaded when first used. libcurl (llama-server scrapes)
 * and libsndfile (audio) bring tens of shared objects with them (TLS,
 * Kerberos, codecs): linked, each start loads and relocates them all and
 * the daemon's RSS triples although most runs use neither. A module names
 * the symbols it calls; the first use opens the library by its soname
 * (RTLD_NOW | RTLD_LOCAL) and resolves them all, or says which is missing.
 * The compile-time API is the library's own header, so a changed signature
 * is still a compile error.
 */

#include <stddef.h>

struct tp_dynsym {
	const char *name; /* the library's symbol */
	void **fn;	  /* where its address goes */
};

/*
 * Opens soname (the first of a NULL-terminated list that loads) and
 * resolves every symbol; idempotent through *handle. Returns 0, or -ENOENT
 * with "cannot load libX: why (install the package that provides it)" in
 * err[n]. Not thread-safe: call once from the thread that sets things up.
 */
int tp_dynlib_open(void **handle, const char *const *sonames, const struct tp_dynsym *syms,
		   size_t nsyms, const char *package, char *err, size_t n);

#endif
