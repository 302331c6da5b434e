#ifndef QSCOPE_LAPACKE_SHIM_H
#define QSCOPE_LAPACKE_SHIM_H
#include <lapacke.h>
/* lapack_int is a #define, which Swift does not import. */
typedef lapack_int qs_lapack_int;
#endif
