#include "dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

int tp_dynlib_open(void **handle, const char *const *sonames, const struct tp_dynsym *syms,
		   size_t nsyms, const char *package, char *err, size_t n)
{
	const char *why = "no soname given";
	void *h = NULL;
	size_t i;

	if (*handle)
		return 0;
	for (i = 0; sonames[i] && !h; i++) {
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
		if (!h)
			why = dlerror();
	}
	if (!err)
		n = 0;
	if (!h) {
		snprintf(err, n, "cannot load %s: %s (install %s)", sonames[0], why, package);
		return -ENOENT;
	}
	for (i = 0; i < nsyms; i++) {
		*syms[i].fn = dlsym(h, syms[i].name);
		if (!*syms[i].fn) {
			snprintf(err, n, "%s lacks %s: too old (install a newer %s)", sonames[0],
				 syms[i].name, package);
			dlclose(h);
			return -ENOENT;
		}
	}
	*handle = h;
	return 0;
}
