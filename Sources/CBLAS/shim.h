#ifndef QSCOPE_CBLAS_SHIM_H
#define QSCOPE_CBLAS_SHIM_H
/* Debian installs OpenBLAS's cblas.h under the multiarch include directory. */
#include <cblas.h>
/* OpenBLAS extensions: thread control, so concurrent runs do not oversubscribe the cores. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/* The kernel set OpenBLAS chose when it loaded (e.g. "Haswell"), and its build configuration. */
char *openblas_get_corename(void);
char *openblas_get_config(void);
#endif
