/*
 * test_alloc.c: steps allocate nothing in steady state.
 *
 * This program replaces malloc and its family (they forward to glibc's
 * __libc_* entry points) and counts every allocation made by anyone in the
 * process. After warm-up steps (which allocate state tensors, the step's work
 * buffers and the thread pool's workers), further steps — library-owned and
 * caller-owned, every algorithm with every state tensor and option, one and
 * several threads, tensors large enough to be split — must allocate nothing.
 *
 * Plain build only (see c-tests.mk): ASan and valgrind replace malloc themselves.
 */
#include "check.h"

#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_long allocations;

void *malloc(size_t n) { atomic_fetch_add(&allocations, 1); return __libc_malloc(n); }
void *calloc(size_t k, size_t n) { atomic_fetch_add(&allocations, 1); return __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { atomic_fetch_add(&allocations, 1); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *aligned_alloc(size_t a, size_t n) { atomic_fetch_add(&allocations, 1); return __libc_memalign(a, n); }
void *memalign(size_t a, size_t n) { atomic_fetch_add(&allocations, 1); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    atomic_fetch_add(&allocations, 1);
    void *p = __libc_memalign(a, n);
    if (!p) return 12;
    *out = p;
    return 0;
}

#define F32 SWIFTOPT_DTYPE_FLOAT32
#define N_TENSORS 4
static const int64_t sizes[N_TENSORS] = {600000, 50000, 1000, 3};

typedef struct { int32_t hp; double value; } setting;

static void set_all(swiftopt_optimizer *o, const setting *s, int n) {
    for (int i = 0; i < n; i++) CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, s[i].hp, s[i].value));
}

/* Steps library-owned and caller-owned; returns the allocations made by the last `measured` steps. */
/* poison != 0: every other step puts poison (NaN or inf) in the last element of
 * the first tensor's gradient, so that skip_nonfinite skips those steps. */
static long run(int32_t algorithm, const setting *s, int n_settings, int measured, float poison) {
    float *params[N_TENSORS], *grads[N_TENSORS], *caller_params[N_TENSORS];
    float *states[N_TENSORS * 3];
    swiftopt_optimizer *o = NULL;
    long at_create = atomic_load(&allocations);
    CHECK_OK(swiftopt_optimizer_create(algorithm, &o));
    CHECKF(atomic_load(&allocations) > at_create, "the counter sees the library's allocations");
    set_all(o, s, n_settings);
    int64_t per_tensor = 0;
    int32_t kinds[8];
    CHECK_OK(swiftopt_optimizer_state_kinds(o, 0, kinds, 8, &per_tensor));
    int64_t counts[N_TENSORS], steps[N_TENSORS];
    for (int t = 0; t < N_TENSORS; t++) {
        params[t] = calloc((size_t)sizes[t], sizeof(float));
        caller_params[t] = calloc((size_t)sizes[t], sizeof(float));
        grads[t] = malloc((size_t)sizes[t] * sizeof(float));
        for (int64_t i = 0; i < sizes[t]; i++) grads[t][i] = (float)((i % 11) - 5) * 0.01f;
        for (int j = 0; j < per_tensor; j++) states[t * per_tensor + j] = calloc((size_t)sizes[t], sizeof(float));
        counts[t] = sizes[t];
        steps[t] = 0;
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, F32, params[t], sizes[t], NULL));
    }
    const void *g[N_TENSORS];
    for (int t = 0; t < N_TENSORS; t++) g[t] = grads[t];
    long before = 0;
    for (int k = 0; k < 3 + measured; k++) {
        if (k == 3) before = atomic_load(&allocations);
        if (poison != 0) grads[0][sizes[0] - 1] = k % 2 ? poison : 0.01f;
        CHECK_OK(swiftopt_optimizer_step(o, g, N_TENSORS));
        CHECK_OK(swiftopt_optimizer_step_tensors(o, 0, F32, N_TENSORS, (void *const *)caller_params, g,
                                                 counts, (void *const *)states, per_tensor, steps));
    }
    long made = atomic_load(&allocations) - before;
    if (poison != 0) {
        int64_t skipped = 0;
        CHECK_OK(swiftopt_optimizer_skipped_steps(o, 0, &skipped));
        CHECKF(skipped == 2 * ((3 + measured) / 2), "%lld steps skipped", (long long)skipped);
    }
    CHECK_OK(swiftopt_optimizer_free(o));
    for (int t = 0; t < N_TENSORS; t++) {
        free(params[t]); free(caller_params[t]); free(grads[t]);
        for (int j = 0; j < per_tensor; j++) free(states[t * per_tensor + j]);
    }
    return made;
}

int main(void) {
    enum { LR = SWIFTOPT_HP_LR };
    const setting sgd[] = {{LR, 1e-2}, {SWIFTOPT_HP_MOMENTUM, 0.9}, {SWIFTOPT_HP_NESTEROV, 1},
                           {SWIFTOPT_HP_WEIGHT_DECAY, 1e-2}, {SWIFTOPT_HP_MAX_GRAD_NORM, 1}};
    const setting sgd_plain[] = {{LR, 1e-2}};
    const setting adagrad[] = {{LR, 1e-2}, {SWIFTOPT_HP_LR_DECAY, 1e-3}, {SWIFTOPT_HP_CLIP_VALUE, 0.1}};
    const setting rmsprop[] = {{LR, 1e-3}, {SWIFTOPT_HP_MOMENTUM, 0.9}, {SWIFTOPT_HP_CENTERED, 1},
                               {SWIFTOPT_HP_L1, 1e-4}};
    const setting adam[] = {{LR, 1e-3}, {SWIFTOPT_HP_AMSGRAD, 1}, {SWIFTOPT_HP_MAXIMIZE, 1},
                            {SWIFTOPT_HP_MAX_GRAD_NORM, 0.5}};
    const setting adamw[] = {{LR, 1e-3}, {SWIFTOPT_HP_WEIGHT_DECAY, 1e-2}};
    const setting adam_skip[] = {{LR, 1e-3}, {SWIFTOPT_HP_SKIP_NONFINITE, 1}};
    const setting sgd_skip_clip[] = {{LR, 1e-2}, {SWIFTOPT_HP_MOMENTUM, 0.9}, {SWIFTOPT_HP_MAX_GRAD_NORM, 1},
                                     {SWIFTOPT_HP_SKIP_NONFINITE, 1}};
    struct { int32_t algorithm; const setting *s; int n; const char *name; float poison; } cases[] = {
        {SWIFTOPT_ALGORITHM_SGD, sgd, 5, "sgd momentum nesterov decay clip", 0},
        {SWIFTOPT_ALGORITHM_SGD, sgd_plain, 1, "sgd plain", 0},
        {SWIFTOPT_ALGORITHM_ADAGRAD, adagrad, 3, "adagrad", 0},
        {SWIFTOPT_ALGORITHM_RMSPROP, rmsprop, 4, "rmsprop centered momentum l1", 0},
        {SWIFTOPT_ALGORITHM_ADAM, adam, 4, "adam amsgrad maximize clip", 0},
        {SWIFTOPT_ALGORITHM_ADAMW, adamw, 2, "adamw", 0},
        {SWIFTOPT_ALGORITHM_ADAM, adam_skip, 2, "adam skip_nonfinite, finite", 0},
        {SWIFTOPT_ALGORITHM_ADAM, adam_skip, 2, "adam skip_nonfinite, NaN every other step", NAN},
        {SWIFTOPT_ALGORITHM_SGD, sgd_skip_clip, 4, "sgd clip skip_nonfinite, finite", 0},
        {SWIFTOPT_ALGORITHM_SGD, sgd_skip_clip, 4, "sgd clip skip_nonfinite, inf every other step", INFINITY},
    };
    const int32_t threads[] = {1, 2, 3};
    for (size_t th = 0; th < sizeof threads / sizeof threads[0]; th++) {
        CHECK_OK(swiftopt_set_num_threads(threads[th]));
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            long made = run(cases[c].algorithm, cases[c].s, cases[c].n, 20, cases[c].poison);
            CHECKF(made == 0, "%s, %d threads: %ld allocations in 20 steady-state steps",
                   cases[c].name, threads[th], made);
        }
    }
    CHECK_OK(swiftopt_set_num_threads(0));
    return check_report("test_alloc");
}
