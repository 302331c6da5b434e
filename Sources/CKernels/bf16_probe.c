/* The startup check of a bf16 training kernel, run in a child process (see ckernels.h). The
 * AMX kernel cannot be tested on the machines without AMX, so on the first machine with AMX it
 * proves itself here before any product uses it: a wrong result, an illegal instruction or a
 * tile fault then costs a fallback to the AVX-512 kernel, not a crashed or silently wrong run. */
#include "bf16_internal.h"

#include <math.h>
#include <stdlib.h>

#if defined(__linux__)
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

typedef struct {
    int m, n, k, trans_a, trans_b;
    float beta;
} probe_shape;

/* Every transpose form; sizes off the tile grid (16 and 32), an odd k, two k blocks (k > 512),
 * two m blocks (m > 256) and two n blocks (n > 1152). */
static const probe_shape shapes[] = {
    {37, 29, 53, 0, 0, 0}, {64, 48, 80, 0, 1, 1}, {131, 67, 257, 1, 0, 0},
    {300, 40, 600, 1, 1, 1}, {17, 1200, 33, 0, 1, 0},
};
#define SHAPES (int)(sizeof shapes / sizeof shapes[0])

static double rounded(float x) { return ckernels_bf16_to_float(round_bf16(x)); }

/* Uniform in [-1, 1) from a 64-bit LCG (Knuth's MMIX constants): no denormals, no zeros. */
static float next_value(uint64_t *state) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(*state >> 11) * 0x1p-53 * 2 - 1);
}

/* The worst |C − exact| over the shape's entries as a fraction of the fp32 summation bound;
 * infinity for NaN. */
static double shape_error(ckernels_bf16_kernel kernel, probe_shape s, float *a, float *b, float *c, float *c0,
                          void *workspace) {
    uint64_t state = (uint64_t)(s.m * 7919 + s.n * 104729 + s.k);
    size_t an = (size_t)s.m * s.k, bn = (size_t)s.k * s.n, cn = (size_t)s.m * s.n;
    for (size_t i = 0; i < an; i++) a[i] = next_value(&state);
    for (size_t i = 0; i < bn; i++) b[i] = next_value(&state);
    for (size_t i = 0; i < cn; i++) c0[i] = c[i] = s.beta != 0 ? next_value(&state) : NAN;
    int lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n;
    ckernels_sgemm_bf16_unchecked(kernel, s.trans_a, s.trans_b, s.m, s.n, s.k, 1.0f, a, lda, b, ldb, s.beta, c, s.n,
                                  workspace);
    double worst = 0;
    for (int i = 0; i < s.m; i++) {
        for (int j = 0; j < s.n; j++) {
            double exact = s.beta != 0 ? (double)s.beta * c0[(size_t)i * s.n + j] : 0, magnitude = fabs(exact);
            for (int p = 0; p < s.k; p++) {
                double x = rounded(s.trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]);
                double y = rounded(s.trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j]);
                exact += x * y;
                magnitude += fabs(x * y);
            }
            double bound = (s.k + 2) * 0x1p-24 * magnitude + 1e-30;
            double error = fabs((double)c[(size_t)i * s.n + j] - exact) / bound;
            if (!(error <= worst)) worst = isnan(error) ? INFINITY : error;
        }
    }
    return worst;
}

int ckernels_probe_sgemm_bf16(ckernels_bf16_kernel kernel, double *worst) {
#if defined(__linux__)
    size_t most_a = 0, most_b = 0, most_c = 0, most_work = 0;
    for (int i = 0; i < SHAPES; i++) {
        probe_shape s = shapes[i];
        size_t work = ckernels_sgemm_bf16_workspace_size(s.m, s.n, s.k);
        if ((size_t)s.m * s.k > most_a) most_a = (size_t)s.m * s.k;
        if ((size_t)s.k * s.n > most_b) most_b = (size_t)s.k * s.n;
        if ((size_t)s.m * s.n > most_c) most_c = (size_t)s.m * s.n;
        if (work > most_work) most_work = work;
    }
    // Everything the child touches is allocated here: after fork it must not call malloc.
    float *a = malloc(most_a * sizeof(float)), *b = malloc(most_b * sizeof(float));
    float *c = malloc(most_c * sizeof(float)), *c0 = malloc(most_c * sizeof(float));
    void *workspace = malloc(most_work);
    int fds[2] = {-1, -1}, status = -1;
    if (a && b && c && c0 && workspace && pipe(fds) == 0) {
        pid_t child = fork();
        if (child == 0) {
            close(fds[0]);
            // The parent's crash handlers (the Swift runtime's backtracer) would print over a
            // dashboard: a faulting kernel should end the child quietly.
            int faults[] = {SIGILL, SIGSEGV, SIGBUS, SIGFPE};
            for (int i = 0; i < 4; i++) signal(faults[i], SIG_DFL);
            if (kernel == CKERNELS_BF16_AMX) ckernels_amx_permission();  // in case fork did not pass it on
            double error = 0;
            for (int i = 0; i < SHAPES; i++) {
                double e = shape_error(kernel, shapes[i], a, b, c, c0, workspace);
                if (!(e <= error)) error = e;
            }
            ssize_t written = write(fds[1], &error, sizeof error);
            _exit(written == (ssize_t)sizeof error && error <= 1 ? 0 : 1);
        }
        close(fds[1]);
        if (child > 0) {
            double error = NAN;
            // A kernel stuck in a loop must not hang the program: 20 s is ~100× the check's time.
            struct pollfd ready = {fds[0], POLLIN, 0};
            int finished = 0, code = 0;
            if (poll(&ready, 1, 20000) > 0) finished = read(fds[0], &error, sizeof error) == (ssize_t)sizeof error;
            else kill(child, SIGKILL);
            pid_t waited;
            while ((waited = waitpid(child, &code, 0)) < 0 && errno == EINTR) {}
            // The child's own report decides; its exit status only tells how it died. (Where
            // SIGCHLD is ignored, waitpid finds no child, and the report is all there is.)
            if (waited == child && WIFSIGNALED(code)) status = 128 + WTERMSIG(code);
            else if (finished) status = error <= 1 ? 0 : 1;
            else status = waited == child ? 1 : -1;
            if (worst && finished) *worst = error;
        }
        close(fds[0]);
    }
    free(a);
    free(b);
    free(c);
    free(c0);
    free(workspace);
    return status;
#else
    (void)kernel;
    (void)worst;
    return -1;
#endif
}
