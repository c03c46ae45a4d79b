// Internal C support for the Swift core (not part of the public API; none of
// these names is exported from libswiftopt.so).
//
//   - the description of one tensor update that the kernel modules read
//     (one plain struct shared by the per-CPU-level kernel modules);
//   - the CPU feature probe that picks the kernel level at load time;
//   - atomics for the thread pool's spinning workers.
#ifndef SWIFTOPT_SUPPORT_H
#define SWIFTOPT_SUPPORT_H

#include <stdint.h>

/// Flags of so_update.flags.
enum {
    SO_SCALED = 1 << 0,      ///< gradient-norm clipping scale applies
    SO_CLIPPING = 1 << 1,    ///< gradient-value clipping applies
    SO_COUPLED = 1 << 2,     ///< coupled (L2) weight decay
    SO_DECOUPLED = 1 << 3,   ///< decoupled weight decay θ(1 − γλ)
    SO_PROXIMAL = 1 << 4,    ///< L1 proximal step
    SO_FIRST = 1 << 8,       ///< SGD: momentum buffer not initialized yet
    SO_NESTEROV = 1 << 9,    ///< SGD: Nesterov momentum
    SO_MOMENTUM = 1 << 10,   ///< SGD, RMSprop: momentum buffer present
    SO_CENTERED = 1 << 11,   ///< RMSprop: centered
    SO_AMSGRAD = 1 << 12,    ///< Adam: amsgrad
};

/// Algorithm codes of so_update.algorithm (kernels, not the public codes).
enum { SO_SGD = 1, SO_ADAGRAD = 2, SO_RMSPROP = 3, SO_ADAM = 4 };

/// One tensor of one update, every scalar computed in double by the core and
/// rounded once to the element type by the kernel. Kernels update elements
/// [start, end) of it, so that a large tensor is split into chunks.
typedef struct so_update {
    void *param;
    const void *grad;
    /// State tensors: SGD {momentum}; Adagrad {sum}; RMSprop {square_avg,
    /// momentum, grad_avg}; Adam {exp_avg, exp_avg_sq, max_exp_avg_sq}.
    void *state[3];
    int64_t count;
    int32_t algorithm;
    int32_t is_double;
    int32_t flags;
    int32_t reserved;
    /// Shared regularization scalars.
    double sign, scale, clip, weight_decay, shrink, threshold;
    /// Algorithm scalars:
    ///   SGD      c0 lr, c1 momentum, c2 1 − dampening
    ///   Adagrad  c0 −clr, c1 eps
    ///   RMSprop  c0 lr, c1 eps, c2 momentum, c3 alpha, c4 1 − alpha
    ///   Adam     c0 −step_size, c1 √(1 − β₂ᵗ), c2 1 − β₁, c3 β₂, c4 1 − β₂, c5 eps
    double c[6];
} so_update;

/// The thread pool's job counter, read by spinning workers without the lock:
/// acquire/release accessors, and the CPU's spin-wait hint.
static inline long so_atomic_load(const long *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void so_atomic_store(long *p, long v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void so_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// The best kernel level this CPU runs: 1 baseline, 2 x86-64-v3 (AVX2, FMA),
/// 3 x86-64-v4 (AVX-512 F/BW/DQ/VL). Always 1 on non-x86 machines.
int so_cpu_best_level(void);

#endif
