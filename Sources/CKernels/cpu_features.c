/* What the CPU and the OS let this process run, from CPUID and XGETBV, and the MXCSR
 * denormal modes.
 *
 * A feature counts only when the OS also saves its register state (XCR0): a hypervisor or
 * kernel may hide AVX-512 or AMX even where CPUID reports them. AMX tiles additionally need
 * arch_prctl(ARCH_REQ_XCOMP_PERM) per process on Linux (see ckernels_request_amx). */
#include "ckernels.h"

#include <stdatomic.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned read_xcr0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return lo;
}

static unsigned detect(void) {
    unsigned eax, ebx, ecx, edx, f = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (ecx & (1u << 0)) f |= CKERNELS_CPU_SSE3;
    unsigned xcr0 = (ecx & (1u << 27)) ? read_xcr0() : 0;  // OSXSAVE: XGETBV is usable
    int ymm = (xcr0 & 0x6u) == 0x6u, zmm = (xcr0 & 0xE6u) == 0xE6u, tiles = (xcr0 & 0x60000u) == 0x60000u;
    int fma = (ecx >> 12) & 1;
    if (ymm && (ecx & (1u << 28))) f |= CKERNELS_CPU_AVX;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
    unsigned leaf7_max = eax;
    if (ymm && fma && (ebx & (1u << 5))) f |= CKERNELS_CPU_AVX2_FMA;
    unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);  // F DQ CD BW VL
    if (zmm && (ebx & avx512) == avx512) f |= CKERNELS_CPU_AVX512;
    if (tiles && (edx & (1u << 24)) && (edx & (1u << 22))) f |= CKERNELS_CPU_AMX_BF16;  // AMX-TILE, AMX-BF16
    if (leaf7_max >= 1) {
        __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx);
        if ((f & CKERNELS_CPU_AVX512) && (eax & (1u << 5))) f |= CKERNELS_CPU_AVX512_BF16;
    }
    return f;
}
#endif

unsigned ckernels_cpu_features(void) {
#if defined(__x86_64__)
    // CPUID traps to the hypervisor on virtual machines (microseconds): ask once. Racing first
    // calls store the same value.
    static atomic_int cached = -1;
    int f = atomic_load_explicit(&cached, memory_order_relaxed);
    if (f < 0) {
        f = (int)detect();
        atomic_store_explicit(&cached, f, memory_order_relaxed);
    }
    return (unsigned)f;
#else
    return 0;
#endif
}

int ckernels_cpu_signature(int *family, int *model) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned base_family = (eax >> 8) & 0xF, base_model = (eax >> 4) & 0xF;
    *family = (int)(base_family == 0xF ? base_family + ((eax >> 20) & 0xFF) : base_family);
    *model = (int)(base_family == 0x6 || base_family == 0xF ? base_model | (((eax >> 16) & 0xF) << 4) : base_model);
    return 1;
#else
    (void)family;
    (void)model;
    return 0;
#endif
}

int ckernels_amx_permission(void) {
#if defined(__x86_64__) && defined(SYS_arch_prctl)
    return (int)syscall(SYS_arch_prctl, 0x1023, 18);
#else
    return -1;
#endif
}

int ckernels_request_amx(void) {
#if defined(__x86_64__) && defined(SYS_arch_prctl)
    // ARCH_REQ_XCOMP_PERM (0x1023) for XFEATURE_XTILEDATA (18): without it the first tile
    // instruction raises SIGILL (Linux 5.16+, Documentation/arch/x86/xstate.rst). The permission
    // is the process's, for all its threads; asking again is harmless, so racing first calls may.
    static atomic_int granted = -1;
    int answer = atomic_load_explicit(&granted, memory_order_relaxed);
    if (answer < 0) {
        answer = (ckernels_cpu_features() & CKERNELS_CPU_AMX_BF16) && ckernels_amx_permission() == 0;
        atomic_store_explicit(&granted, answer, memory_order_relaxed);
    }
    return answer;
#else
    return 0;
#endif
}

void ckernels_flush_denormals(int on) {
#if defined(__x86_64__)
    // MXCSR bit 15 (FTZ: denormal results become zero) and bit 6 (DAZ: denormal inputs read as
    // zero). Per thread; threads created afterwards inherit it (POSIX pthread_create).
    unsigned csr = _mm_getcsr();
    _mm_setcsr(on ? csr | 0x8040u : csr & ~0x8040u);
#else
    (void)on;
#endif
}

int ckernels_flushing_denormals(void) {
#if defined(__x86_64__)
    return (_mm_getcsr() & 0x8040u) == 0x8040u;
#else
    return 0;
#endif
}
