/*
 * test_threads.c: the header's thread contract.
 *   - error messages are per thread ("" in a thread that never failed);
 *   - calls on ONE handle from several threads are serialized: steps and
 *     hyperparameter changes never interleave, so every step applies one lr
 *     to the whole tensor and no update is lost;
 *   - caller-owned steps from several threads on one handle give the
 *     single-threaded results;
 *   - one handle per thread, in parallel: the single-threaded results;
 *   - freeing a handle while another thread uses it: that thread's calls
 *     either succeed or return INVALID_HANDLE, never crash.
 * Run under ASan and valgrind by `make test-c`.
 */
#include "check.h"

#include <pthread.h>
#include <sched.h>

#define F32 SWIFTOPT_DTYPE_FLOAT32
#define F64 SWIFTOPT_DTYPE_FLOAT64

static int quick;

/* ---- per-thread messages ------------------------------------------------------ */

typedef struct {
    pthread_barrier_t *barrier;
    int index;
    int ok;
} message_job;

static void *message_thread(void *arg) {
    message_job *job = (message_job *)arg;
    char buf[256];
    memset(buf, 'x', sizeof buf);
    /* a new thread has no message yet */
    int fresh = swiftopt_last_error_message(buf, sizeof buf) == 0 && buf[0] == '\0' &&
                swiftopt_last_error_message(NULL, 0) == 0;
    char name[64];
    snprintf(name, sizeof name, "thread-%d-bogus-algorithm", job->index);
    int32_t algo = -1;
    int failed = swiftopt_algorithm_from_name(name, &algo) == SWIFTOPT_ERROR_UNKNOWN_ALGORITHM;
    pthread_barrier_wait(job->barrier); /* every thread has failed by now */
    swiftopt_last_error_message(buf, sizeof buf);
    int own = strstr(buf, name) != NULL;
    job->ok = fresh && failed && own;
    return NULL;
}

static void test_messages_per_thread(void) {
    enum { T = 4 };
    /* the main thread's own message survives the other threads */
    int32_t algo = -1;
    CHECK_STATUS(SWIFTOPT_ERROR_UNKNOWN_ALGORITHM, swiftopt_algorithm_from_name("main-thread-bogus", &algo));
    error_text before = last_error();
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, T);
    pthread_t threads[T];
    message_job jobs[T];
    for (int t = 0; t < T; t++) {
        jobs[t].barrier = &barrier;
        jobs[t].index = t;
        jobs[t].ok = 0;
        CHECK(pthread_create(&threads[t], NULL, message_thread, &jobs[t]) == 0);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(threads[t], NULL);
        CHECKF(jobs[t].ok, "thread %d: message not per thread", t);
    }
    pthread_barrier_destroy(&barrier);
    error_text after = last_error();
    CHECK(strcmp(before.text, after.text) == 0 && strstr(after.text, "main-thread-bogus") != NULL);
}

/* ---- one handle, many threads ----------------------------------------------------- */

enum { SHARED_N = 512, STEPPERS = 4, SETTERS = 2 };

typedef struct {
    swiftopt_optimizer *opt;
    int index;
    int iterations;
    const double *grad;
    int errors;
} shared_job;

static double stepper_lr(int index) { return ldexp(1.0, -(8 + index)); } /* 2^-8 .. 2^-11 */

static void *stepper_thread(void *arg) {
    shared_job *job = (shared_job *)arg;
    const void *grads[1] = {job->grad};
    for (int k = 0; k < job->iterations; k++) {
        if (swiftopt_optimizer_set_hyperparameter(job->opt, 0, SWIFTOPT_HP_LR, stepper_lr(job->index)) != SWIFTOPT_OK)
            job->errors++;
        if (swiftopt_optimizer_step(job->opt, grads, 1) != SWIFTOPT_OK) job->errors++;
    }
    return NULL;
}

static void *setter_thread(void *arg) {
    shared_job *job = (shared_job *)arg;
    for (int k = 0; k < job->iterations; k++) {
        double v = -1;
        /* group 1 (no parameters): lr and momentum back and forth */
        if (swiftopt_optimizer_set_hyperparameter(job->opt, 1, SWIFTOPT_HP_LR, 0.001 * (k % 7)) != SWIFTOPT_OK)
            job->errors++;
        if (swiftopt_optimizer_set_hyperparameter(job->opt, 1, SWIFTOPT_HP_MOMENTUM, (k % 2) * 0.9) != SWIFTOPT_OK)
            job->errors++;
        /* group 0's lr is always one of the steppers' values: never torn */
        if (swiftopt_optimizer_get_hyperparameter(job->opt, 0, SWIFTOPT_HP_LR, &v) != SWIFTOPT_OK) job->errors++;
        int known = 0;
        for (int t = 0; t < STEPPERS; t++) known |= v == stepper_lr(t);
        if (!known) job->errors++;
        int32_t kinds[4];
        int64_t n = -1, step = -1;
        if (swiftopt_optimizer_state_kinds(job->opt, 1, kinds, 4, &n) != SWIFTOPT_OK || n < 0 || n > 1)
            job->errors++;
        if (swiftopt_optimizer_get_step(job->opt, 0, &step) != SWIFTOPT_OK || step < 0) job->errors++;
        /* a failure in the middle does not disturb anybody */
        if (swiftopt_optimizer_set_hyperparameter(job->opt, 1, SWIFTOPT_HP_LR, -1) != SWIFTOPT_ERROR_OUT_OF_BOUNDS)
            job->errors++;
    }
    return NULL;
}

static void test_one_handle_many_threads(void) {
    int iterations = quick ? 15 : 2000;
    swiftopt_optimizer *o = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &o));
    CHECK_OK(swiftopt_optimizer_add_group(o, NULL));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, stepper_lr(0)));
    double *p = (double *)malloc(SHARED_N * sizeof *p), *g = (double *)malloc(SHARED_N * sizeof *g);
    for (int i = 0; i < SHARED_N; i++) {
        p[i] = 1.0;
        g[i] = 1.0;
    }
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, SHARED_N, NULL));
    pthread_t threads[STEPPERS + SETTERS];
    shared_job jobs[STEPPERS + SETTERS];
    for (int t = 0; t < STEPPERS + SETTERS; t++) {
        jobs[t].opt = o;
        jobs[t].index = t;
        jobs[t].iterations = iterations;
        jobs[t].grad = g;
        jobs[t].errors = 0;
        CHECK(pthread_create(&threads[t], NULL, t < STEPPERS ? stepper_thread : setter_thread, &jobs[t]) == 0);
    }
    for (int t = 0; t < STEPPERS + SETTERS; t++) {
        pthread_join(threads[t], NULL);
        CHECKF(jobs[t].errors == 0, "thread %d saw %d unexpected results", t, jobs[t].errors);
    }
    int64_t steps = -1;
    CHECK_OK(swiftopt_optimizer_get_step(o, 0, &steps));
    int64_t total_steps = (int64_t)STEPPERS * iterations;
    CHECK(steps == total_steps);
    /* every step applied one lr (a power of two, so exact) to the whole tensor */
    int uniform = 1;
    for (int i = 1; i < SHARED_N; i++) uniform &= p[i] == p[0];
    CHECK(uniform);
    double moved = 1.0 - p[0];
    CHECK(moved >= (double)total_steps * stepper_lr(STEPPERS - 1));
    CHECK(moved <= (double)total_steps * stepper_lr(0));
    double units = moved / stepper_lr(STEPPERS - 1);
    CHECK(units == floor(units));
    CHECK_OK(swiftopt_optimizer_free(o));
    free(p);
    free(g);
}

/* ---- caller-owned steps on one handle from several threads ------------------------- */

enum { TENSOR_N = 301, TENSOR_THREADS = 3 };

typedef struct {
    swiftopt_optimizer *opt;
    int iterations;
    uint64_t seed;
    float p[TENSOR_N], m[TENSOR_N], v[TENSOR_N];
    int64_t step;
    int errors;
} tensor_job;

static void run_tensor_job(tensor_job *job) {
    float g[TENSOR_N];
    uint64_t seed = job->seed;
    for (int i = 0; i < TENSOR_N; i++) {
        job->p[i] = (float)test_rand(&seed);
        job->m[i] = job->v[i] = 0;
    }
    job->step = 0;
    void *params[1] = {job->p};
    const void *grads[1] = {g};
    void *states[2] = {job->m, job->v};
    int64_t counts[1] = {TENSOR_N};
    for (int k = 0; k < job->iterations; k++) {
        for (int i = 0; i < TENSOR_N; i++) g[i] = (float)test_rand(&seed);
        if (swiftopt_optimizer_step_tensors(job->opt, 0, F32, 1, params, grads, counts, states, 2,
                                            &job->step) != SWIFTOPT_OK)
            job->errors++;
    }
}

static void *tensor_thread(void *arg) {
    run_tensor_job((tensor_job *)arg);
    return NULL;
}

static void test_caller_owned_threads(void) {
    swiftopt_optimizer *o = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &o));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.01));
    int iterations = quick ? 5 : 100;
    tensor_job *ref = (tensor_job *)calloc(TENSOR_THREADS, sizeof *ref);
    tensor_job *par = (tensor_job *)calloc(TENSOR_THREADS, sizeof *par);
    for (int t = 0; t < TENSOR_THREADS; t++) {
        ref[t].opt = par[t].opt = o;
        ref[t].iterations = par[t].iterations = iterations;
        ref[t].seed = par[t].seed = 1234u + (uint64_t)t;
        run_tensor_job(&ref[t]); /* sequential reference */
    }
    pthread_t threads[TENSOR_THREADS];
    for (int t = 0; t < TENSOR_THREADS; t++)
        CHECK(pthread_create(&threads[t], NULL, tensor_thread, &par[t]) == 0);
    for (int t = 0; t < TENSOR_THREADS; t++) {
        pthread_join(threads[t], NULL);
        CHECK(par[t].errors == 0 && ref[t].errors == 0);
        CHECK(par[t].step == iterations);
        CHECK(memcmp(par[t].p, ref[t].p, sizeof par[t].p) == 0);
        CHECK(memcmp(par[t].m, ref[t].m, sizeof par[t].m) == 0);
        CHECK(memcmp(par[t].v, ref[t].v, sizeof par[t].v) == 0);
    }
    free(ref);
    free(par);
    CHECK_OK(swiftopt_optimizer_free(o));
}

/* ---- one handle per thread ------------------------------------------------------------- */

enum { OWN_N = 1000, OWN_THREADS = 4 };

typedef struct {
    int32_t algorithm;
    int iterations;
    double p[OWN_N];
    int64_t step;
    int errors;
} own_job;

static void run_own_job(own_job *job) {
    swiftopt_optimizer *o = NULL;
    if (swiftopt_optimizer_create(job->algorithm, &o) != SWIFTOPT_OK) {
        job->errors++;
        return;
    }
    uint64_t seed = 99;
    double g[OWN_N];
    for (int i = 0; i < OWN_N; i++) job->p[i] = test_rand(&seed);
    const void *grads[1] = {g};
    if (swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.01) != SWIFTOPT_OK) job->errors++;
    if (swiftopt_optimizer_add_param(o, 0, F64, job->p, OWN_N, NULL) != SWIFTOPT_OK) job->errors++;
    for (int k = 0; k < job->iterations; k++) {
        for (int i = 0; i < OWN_N; i++) g[i] = test_rand(&seed);
        if (swiftopt_optimizer_step(o, grads, 1) != SWIFTOPT_OK) job->errors++;
    }
    if (swiftopt_optimizer_get_step(o, 0, &job->step) != SWIFTOPT_OK) job->errors++;
    if (swiftopt_optimizer_free(o) != SWIFTOPT_OK) job->errors++;
}

static void *own_thread(void *arg) {
    run_own_job((own_job *)arg);
    return NULL;
}

static void test_handle_per_thread(void) {
    static const int32_t algorithms[OWN_THREADS] = {SWIFTOPT_ALGORITHM_ADAM, SWIFTOPT_ALGORITHM_SGD,
                                                    SWIFTOPT_ALGORITHM_RMSPROP, SWIFTOPT_ALGORITHM_ADAGRAD};
    int iterations = quick ? 5 : 200;
    own_job *ref = (own_job *)calloc(OWN_THREADS, sizeof *ref);
    own_job *par = (own_job *)calloc(OWN_THREADS, sizeof *par);
    for (int t = 0; t < OWN_THREADS; t++) {
        ref[t].algorithm = par[t].algorithm = algorithms[t];
        ref[t].iterations = par[t].iterations = iterations;
        run_own_job(&ref[t]);
    }
    pthread_t threads[OWN_THREADS];
    for (int t = 0; t < OWN_THREADS; t++) CHECK(pthread_create(&threads[t], NULL, own_thread, &par[t]) == 0);
    for (int t = 0; t < OWN_THREADS; t++) {
        pthread_join(threads[t], NULL);
        CHECK(par[t].errors == 0 && ref[t].errors == 0);
        CHECK(par[t].step == iterations);
        CHECKF(memcmp(par[t].p, ref[t].p, sizeof par[t].p) == 0, "%s in a thread differs",
               swiftopt_algorithm_name(algorithms[t]));
    }
    free(ref);
    free(par);
}

/* ---- free while another thread uses the handle ------------------------------------------ */

typedef struct {
    swiftopt_optimizer *opt;
    const double *grad;
    atomic_int steps;
    int bad_status;
    int32_t last;
} racer_job;

static void *racer_thread(void *arg) {
    racer_job *job = (racer_job *)arg;
    const void *grads[1] = {job->grad};
    for (;;) {
        int32_t st = swiftopt_optimizer_step(job->opt, grads, 1);
        if (st == SWIFTOPT_OK) {
            atomic_fetch_add(&job->steps, 1);
            continue;
        }
        job->last = st;
        if (st != SWIFTOPT_ERROR_INVALID_HANDLE) job->bad_status++;
        break;
    }
    /* every other call now fails cleanly too */
    int64_t n = -1;
    if (swiftopt_optimizer_param_count(job->opt, &n) != SWIFTOPT_ERROR_INVALID_HANDLE || n != -1)
        job->bad_status++;
    return NULL;
}

static void test_free_while_in_use(void) {
    enum { N = 2048 };
    int rounds = quick ? 2 : 50;
    for (int r = 0; r < rounds; r++) {
        swiftopt_optimizer *o = NULL;
        REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &o));
        double *p = (double *)calloc(N, sizeof *p), *g = (double *)malloc(N * sizeof *g);
        for (int i = 0; i < N; i++) g[i] = 0.5;
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, N, NULL));
        racer_job job;
        job.opt = o;
        job.grad = g;
        atomic_init(&job.steps, 0);
        job.bad_status = 0;
        job.last = 0;
        pthread_t thread;
        CHECK(pthread_create(&thread, NULL, racer_thread, &job) == 0);
        while (atomic_load(&job.steps) < 3) sched_yield();
        CHECK_OK(swiftopt_optimizer_free(o));
        pthread_join(thread, NULL);
        CHECK(job.bad_status == 0 && job.last == SWIFTOPT_ERROR_INVALID_HANDLE);
        CHECK(swiftopt_optimizer_free(o) == SWIFTOPT_ERROR_INVALID_HANDLE);
        free(p);
        free(g);
    }
}

int main(void) {
    quick = test_quick();
    test_messages_per_thread();
    test_one_handle_many_threads();
    test_caller_owned_threads();
    test_handle_per_thread();
    test_free_while_in_use();
    return check_report("test_threads");
}
