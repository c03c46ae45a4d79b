/*
 * test_errors.c: the error paths of every entry point of swiftopt.h.
 *
 * Each failing call is checked three ways (EXPECT_ERROR):
 *   1. it returns the documented status;
 *   2. it leaves a new, non-empty message for swiftopt_last_error_message()
 *      (a "sentinel" failure with a unique message is made just before);
 *   3. it changes nothing: a snapshot of the optimizer (algorithm, groups,
 *      every hyperparameter, state kinds, registered parameters' bytes, info,
 *      step counts and state tensors) and of the caller buffers involved is
 *      byte-identical before and after the call.
 * Out-parameters are pre-filled with sentinel values and checked untouched.
 */
#include "check.h"

#include <limits.h>

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
/* The OUT_OF_MEMORY test asks for an impossible allocation: let ASan's
 * allocator return NULL (as glibc's does) instead of aborting. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

#define F32 SWIFTOPT_DTYPE_FLOAT32
#define F64 SWIFTOPT_DTYPE_FLOAT64
#define N_ALGORITHMS 5
#define MAX_PARAMS 4
#define MAX_EXTRA 32

static size_t elem_size(int32_t dtype) { return dtype == F32 ? 4u : 8u; }

/* ---- byte snapshots ----------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t n, cap;
} bytes;

static void bytes_put(bytes *b, const void *data, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        unsigned char *p = (unsigned char *)realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "out of memory in the test\n");
            exit(2);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}
#define PUT(b, v) bytes_put((b), &(v), sizeof(v))

/** An optimizer with registered parameters, plus caller buffers to watch. */
typedef struct {
    swiftopt_optimizer *opt;
    int32_t algorithm;
    int64_t n_params;
    void *data[MAX_PARAMS];
    int32_t dtype[MAX_PARAMS];
    int64_t count[MAX_PARAMS];
    struct {
        const void *ptr;
        size_t size;
    } extra[MAX_EXTRA];
    int n_extra;
} fixture;

static void fixture_watch(fixture *fx, const void *ptr, size_t size) {
    if (fx->n_extra < MAX_EXTRA) {
        fx->extra[fx->n_extra].ptr = ptr;
        fx->extra[fx->n_extra].size = size;
        fx->n_extra++;
    }
}

static void snapshot(const fixture *fx, bytes *b) {
    b->n = 0;
    if (!fx) return;
    swiftopt_optimizer *o = fx->opt;
    int32_t st, algo = -1;
    int64_t groups = -1, n_params = -1;
    st = swiftopt_optimizer_algorithm(o, &algo);
    PUT(b, st);
    PUT(b, algo);
    st = swiftopt_optimizer_group_count(o, &groups);
    PUT(b, st);
    PUT(b, groups);
    int32_t hps[32];
    int64_t n_hp = 0;
    swiftopt_algorithm_hyperparameters(algo, hps, 32, &n_hp);
    for (int64_t g = 0; g < groups && g < 64; g++) {
        for (int64_t k = 0; k < n_hp && k < 32; k++) {
            double v = -12345.0;
            st = swiftopt_optimizer_get_hyperparameter(o, g, hps[k], &v);
            PUT(b, st);
            PUT(b, v);
        }
        int32_t kinds[16] = {0};
        int64_t n_kinds = -1;
        st = swiftopt_optimizer_state_kinds(o, g, kinds, 16, &n_kinds);
        PUT(b, st);
        PUT(b, n_kinds);
        PUT(b, kinds);
    }
    st = swiftopt_optimizer_param_count(o, &n_params);
    PUT(b, st);
    PUT(b, n_params);
    for (int64_t i = 0; i < n_params && i < 64; i++) {
        int64_t group = -1, count = -1, step = -1;
        int32_t dtype = -1;
        st = swiftopt_optimizer_param_info(o, i, &group, &dtype, &count);
        PUT(b, st);
        PUT(b, group);
        PUT(b, dtype);
        PUT(b, count);
        st = swiftopt_optimizer_get_step(o, i, &step);
        PUT(b, st);
        PUT(b, step);
        if (i < fx->n_params) bytes_put(b, fx->data[i], (size_t)fx->count[i] * elem_size(fx->dtype[i]));
        int32_t kinds[16] = {0};
        int64_t n_kinds = 0;
        swiftopt_optimizer_state_kinds(o, group, kinds, 16, &n_kinds);
        if (count <= 0 || count > 1 << 20) continue;
        void *buf = malloc((size_t)count * 8);
        for (int64_t k = 0; k < n_kinds && k < 16; k++) {
            memset(buf, 0xAB, (size_t)count * 8);
            st = swiftopt_optimizer_get_state(o, i, kinds[k], buf, count);
            PUT(b, st);
            bytes_put(b, buf, (size_t)count * elem_size(dtype));
        }
        free(buf);
    }
    for (int k = 0; k < fx->n_extra; k++) bytes_put(b, fx->extra[k].ptr, fx->extra[k].size);
}

/* ---- EXPECT_ERROR -------------------------------------------------------- */

static int sentinel_serial;

/** Makes a failure whose message is unique, and returns that message. */
static void make_sentinel_failure(char *out, size_t capacity) {
    char name[64];
    int32_t algo = -7;
    snprintf(name, sizeof name, "sentinel-not-an-algorithm-%d", ++sentinel_serial);
    swiftopt_algorithm_from_name(name, &algo);
    swiftopt_last_error_message(out, capacity);
}

typedef struct {
    bytes before;
    char sentinel[1024];
} expect_ctx;

static void expect_begin(expect_ctx *c, const fixture *fx) {
    memset(c, 0, sizeof *c);
    snapshot(fx, &c->before);
    make_sentinel_failure(c->sentinel, sizeof c->sentinel);
}

static void expect_end(expect_ctx *c, const fixture *fx, int32_t got, int32_t want,
                       const char *file, int line, const char *expr) {
    char what[600];
    check_status_(got, want, file, line, expr);
    error_text e = last_error();
    snprintf(what, sizeof what, "%s: non-empty message", expr);
    check_record_(e.length > 0 && e.text[0] != '\0' && strlen(e.text) == e.length, file, line,
                  what);
    snprintf(what, sizeof what, "%s: the failure replaced the previous message", expr);
    check_record_(strcmp(e.text, c->sentinel) != 0, file, line, what);
    if (fx) {
        bytes after = {0};
        snapshot(fx, &after);
        snprintf(what, sizeof what, "%s: optimizer and buffers unchanged", expr);
        check_record_(after.n == c->before.n && memcmp(after.p, c->before.p, after.n) == 0,
                      file, line, what);
        free(after.p);
    }
    free(c->before.p);
}

/** Runs `expr`, which must fail with `want` and change nothing in `fx` (may be NULL). */
#define EXPECT_ERROR(fx, want, expr)                                         \
    do {                                                                     \
        expect_ctx ctx_;                                                     \
        expect_begin(&ctx_, (fx));                                           \
        int32_t st_ = (expr);                                                \
        expect_end(&ctx_, (fx), st_, (want), __FILE__, __LINE__, #expr);     \
    } while (0)

/* ---- fixtures ------------------------------------------------------------- */

static const int32_t all_algorithms[N_ALGORITHMS] = {
    SWIFTOPT_ALGORITHM_SGD, SWIFTOPT_ALGORITHM_ADAGRAD, SWIFTOPT_ALGORITHM_RMSPROP,
    SWIFTOPT_ALGORITHM_ADAM, SWIFTOPT_ALGORITHM_ADAMW};

static void fill(void *data, int32_t dtype, int64_t count, uint64_t seed) {
    for (int64_t i = 0; i < count; i++) {
        double v = test_rand(&seed);
        if (dtype == F32) ((float *)data)[i] = (float)v;
        else ((double *)data)[i] = v;
    }
}

/**
 * An optimizer with two groups: group 0 with options that give every state
 * kind of the algorithm, group 1 at the defaults. Parameters: 0 (fp32, 5,
 * group 0), 1 (fp64, 3, group 1), 2 (fp64, 4, group 0). Two steps taken.
 */
static int fixture_init(fixture *fx, int32_t algo) {
    memset(fx, 0, sizeof *fx);
    fx->algorithm = algo;
    if (!CHECK_OK(swiftopt_optimizer_create(algo, &fx->opt))) return 0;
    int64_t g1 = -1;
    CHECK_OK(swiftopt_optimizer_add_group(fx->opt, &g1));
    CHECK(g1 == 1);
    switch (algo) {
    case SWIFTOPT_ALGORITHM_SGD:
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(fx->opt, 0, SWIFTOPT_HP_MOMENTUM, 0.9));
        break;
    case SWIFTOPT_ALGORITHM_ADAGRAD:
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(fx->opt, 0,
                                                       SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE, 0.1));
        break;
    case SWIFTOPT_ALGORITHM_RMSPROP:
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(fx->opt, 0, SWIFTOPT_HP_MOMENTUM, 0.5));
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(fx->opt, 0, SWIFTOPT_HP_CENTERED, 1));
        break;
    default:
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(fx->opt, 0, SWIFTOPT_HP_AMSGRAD, 1));
        break;
    }
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(fx->opt, 0, SWIFTOPT_HP_LR, 0.05));
    const int32_t dtypes[3] = {F32, F64, F64};
    const int64_t counts[3] = {5, 3, 4};
    const int64_t groups[3] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        fx->dtype[i] = dtypes[i];
        fx->count[i] = counts[i];
        fx->data[i] = malloc((size_t)counts[i] * 8);
        fill(fx->data[i], dtypes[i], counts[i], 100u + (uint64_t)i);
        int64_t index = -1;
        CHECK_OK(swiftopt_optimizer_add_param(fx->opt, groups[i], dtypes[i], fx->data[i],
                                              counts[i], &index));
        CHECK(index == i);
    }
    fx->n_params = 3;
    double grads[3][8];
    const void *gp[3];
    for (int step = 0; step < 2; step++) {
        for (int i = 0; i < 3; i++) {
            fill(grads[i], dtypes[i], counts[i], 200u + (uint64_t)(10 * step + i));
            gp[i] = grads[i];
        }
        CHECK_OK(swiftopt_optimizer_step(fx->opt, gp, 3));
    }
    return 1;
}

static void fixture_free(fixture *fx) {
    if (fx->opt) CHECK_OK(swiftopt_optimizer_free(fx->opt));
    for (int64_t i = 0; i < fx->n_params; i++) free(fx->data[i]);
    memset(fx, 0, sizeof *fx);
}

static int algorithm_uses(int32_t algo, int32_t hp) {
    int32_t hps[32];
    int64_t n = 0;
    swiftopt_algorithm_hyperparameters(algo, hps, 32, &n);
    for (int64_t k = 0; k < n; k++)
        if (hps[k] == hp) return 1;
    return 0;
}

/* ---- last error message -------------------------------------------------- */

static void test_last_error_message(void) {
    int32_t algo = 42;
    CHECK_STATUS(SWIFTOPT_ERROR_UNKNOWN_ALGORITHM,
                 swiftopt_algorithm_from_name("definitely-no-such-algorithm", &algo));
    CHECK(algo == 42);
    size_t len = swiftopt_last_error_message(NULL, 0);
    CHECK(len > 8);
    char full[2048];
    memset(full, '#', sizeof full);
    CHECK(swiftopt_last_error_message(full, sizeof full) == len);
    CHECK(strlen(full) == len);
    CHECK(full[len + 1] == '#');
    CHECKF(strstr(full, "definitely-no-such-algorithm") != NULL,
           "the message should name the unknown algorithm: %s", full);

    char buf[2048];
    /* capacity 0 with a non-NULL buffer: nothing written */
    memset(buf, '#', sizeof buf);
    CHECK(swiftopt_last_error_message(buf, 0) == len);
    CHECK(buf[0] == '#');
    /* capacity 1: just the NUL */
    memset(buf, '#', sizeof buf);
    CHECK(swiftopt_last_error_message(buf, 1) == len);
    CHECK(buf[0] == '\0' && buf[1] == '#');
    /* capacity 6: 5 bytes and the NUL, nothing past capacity */
    memset(buf, '#', sizeof buf);
    CHECK(swiftopt_last_error_message(buf, 6) == len);
    CHECK(memcmp(buf, full, 5) == 0 && buf[5] == '\0' && buf[6] == '#');
    /* capacity len: one byte short */
    memset(buf, '#', sizeof buf);
    CHECK(swiftopt_last_error_message(buf, len) == len);
    CHECK(strlen(buf) == len - 1 && memcmp(buf, full, len - 1) == 0 && buf[len] == '#');
    /* capacity len + 1: exact fit */
    memset(buf, '#', sizeof buf);
    CHECK(swiftopt_last_error_message(buf, len + 1) == len);
    CHECK(strcmp(buf, full) == 0 && buf[len + 1] == '#');
    /* a huge capacity (as size_t) still copies and terminates */
    memset(buf, '#', sizeof buf);
    CHECK(swiftopt_last_error_message(buf, SIZE_MAX) == len);
    CHECK(strcmp(buf, full) == 0);

    /* successful calls do not clear the message */
    CHECK_OK(swiftopt_algorithm_from_name("adam", &algo));
    CHECK(algo == SWIFTOPT_ALGORITHM_ADAM);
    CHECK(swiftopt_version_number() > 0);
    CHECK(swiftopt_last_error_message(buf, sizeof buf) == len && strcmp(buf, full) == 0);
    /* the next failure replaces it */
    int32_t hp = 99;
    CHECK_STATUS(SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER, swiftopt_hyperparameter_from_name("nope", &hp));
    CHECK(hp == 99);
    error_text e = last_error();
    CHECK(e.length > 0 && strcmp(e.text, full) != 0);
}

/* ---- names, introspection ----------------------------------------------- */

static void test_name_lookup_errors(void) {
    int32_t out = 77;
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_algorithm_from_name(NULL, &out));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_algorithm_from_name("adam", NULL));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_algorithm_from_name(NULL, NULL));
    const char *bad_algorithms[] = {"", "adamx", "adam ", " sgd", "ada", "lbfgs", "adam\n", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad_algorithms / sizeof *bad_algorithms; i++)
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_UNKNOWN_ALGORITHM,
                     swiftopt_algorithm_from_name(bad_algorithms[i], &out));
    CHECK(out == 77);

    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_hyperparameter_from_name(NULL, &out));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_hyperparameter_from_name("lr", NULL));
    /* exact names only: case matters */
    const char *bad_hps[] = {"", "LR", "Lr", "betas", "beta", "weight-decay", "lr ", "momentum_buffer"};
    for (size_t i = 0; i < sizeof bad_hps / sizeof *bad_hps; i++)
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                     swiftopt_hyperparameter_from_name(bad_hps[i], &out));
    CHECK(out == 77);

    const int32_t bad_codes[] = {0, -1, 20, 21, 100, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad_codes / sizeof *bad_codes; i++) {
        CHECK(swiftopt_hyperparameter_name(bad_codes[i]) == NULL);
        CHECK(swiftopt_state_name(bad_codes[i] == 20 ? 8 : bad_codes[i]) == NULL);
        if (bad_codes[i] < 1 || bad_codes[i] > 5) CHECK(swiftopt_algorithm_name(bad_codes[i]) == NULL);
    }
    CHECK(swiftopt_algorithm_name(6) == NULL);
}

static void test_introspection_errors(void) {
    int32_t hps[32];
    for (int k = 0; k < 32; k++) hps[k] = -5;
    int64_t count = -9;
    const int32_t bad_algos[] = {0, -1, 6, 100, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad_algos / sizeof *bad_algos; i++) {
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_UNKNOWN_ALGORITHM,
                     swiftopt_algorithm_hyperparameters(bad_algos[i], hps, 32, &count));
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_UNKNOWN_ALGORITHM,
                     swiftopt_algorithm_hyperparameter_info(bad_algos[i], SWIFTOPT_HP_LR, NULL, NULL,
                                                            NULL, NULL));
    }
    CHECK(count == -9 && hps[0] == -5);
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER,
                 swiftopt_algorithm_hyperparameters(SWIFTOPT_ALGORITHM_ADAM, hps, 32, NULL));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER,
                 swiftopt_algorithm_hyperparameters(SWIFTOPT_ALGORITHM_ADAM, NULL, 3, &count));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                 swiftopt_algorithm_hyperparameters(SWIFTOPT_ALGORITHM_ADAM, hps, -1, &count));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                 swiftopt_algorithm_hyperparameters(SWIFTOPT_ALGORITHM_ADAM, hps, INT64_MIN, &count));
    CHECK(count == -9 && hps[0] == -5);
    /* BUFFER_TOO_SMALL still reports the count */
    for (int a = 0; a < N_ALGORITHMS; a++) {
        int64_t full = 0;
        CHECK_OK(swiftopt_algorithm_hyperparameters(all_algorithms[a], hps, 32, &full));
        CHECK(full >= 6);
        count = -9;
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_BUFFER_TOO_SMALL,
                     swiftopt_algorithm_hyperparameters(all_algorithms[a], NULL, 0, &count));
        CHECK(count == full);
        count = -9;
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_BUFFER_TOO_SMALL,
                     swiftopt_algorithm_hyperparameters(all_algorithms[a], hps, full - 1, &count));
        CHECK(count == full);
        /* unknown hyperparameter codes, and ones the algorithm does not use */
        double d = -1, lo = -1, hi = -1;
        uint32_t flags = 77;
        const int32_t bad_hps[] = {0, -1, 20, 1000, INT32_MIN, INT32_MAX};
        for (size_t i = 0; i < sizeof bad_hps / sizeof *bad_hps; i++)
            EXPECT_ERROR(NULL, SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                         swiftopt_algorithm_hyperparameter_info(all_algorithms[a], bad_hps[i], &d,
                                                                &lo, &hi, &flags));
        for (int32_t hp = 1; hp <= 19; hp++) {
            if (algorithm_uses(all_algorithms[a], hp)) continue;
            EXPECT_ERROR(NULL, SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                         swiftopt_algorithm_hyperparameter_info(all_algorithms[a], hp, &d, &lo, &hi,
                                                                &flags));
        }
        CHECK(d == -1 && lo == -1 && hi == -1 && flags == 77);
        /* every out-pointer may be NULL */
        CHECK_OK(swiftopt_algorithm_hyperparameter_info(all_algorithms[a], SWIFTOPT_HP_LR, NULL,
                                                        NULL, NULL, NULL));
    }
}

/* ---- create / free / handles ---------------------------------------------- */

static void test_create_free(void) {
    swiftopt_optimizer *opt = (swiftopt_optimizer *)&opt; /* sentinel value */
    swiftopt_optimizer *const sentinel = opt;
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, NULL));
    const int32_t bad_algos[] = {0, -1, 6, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad_algos / sizeof *bad_algos; i++)
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_UNKNOWN_ALGORITHM, swiftopt_optimizer_create(bad_algos[i], &opt));
    CHECK(opt == sentinel);

    /* free(NULL) is a no-op returning OK, and leaves the last message alone */
    char before[1024];
    make_sentinel_failure(before, sizeof before);
    CHECK_OK(swiftopt_optimizer_free(NULL));
    error_text e = last_error();
    CHECK(strcmp(e.text, before) == 0);

    /* double free; handle values are never reused */
    swiftopt_optimizer *first = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &first));
    CHECK(first != NULL);
    CHECK_OK(swiftopt_optimizer_free(first));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_free(first));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_free(first));
    int distinct = 1;
    swiftopt_optimizer *others[16];
    for (int i = 0; i < 16; i++) {
        others[i] = NULL;
        CHECK_OK(swiftopt_optimizer_create(all_algorithms[i % N_ALGORITHMS], &others[i]));
        if (others[i] == first || others[i] == NULL) distinct = 0;
        for (int j = 0; j < i; j++)
            if (others[j] == others[i]) distinct = 0;
    }
    CHECK(distinct);
    for (int i = 0; i < 16; i++) CHECK_OK(swiftopt_optimizer_free(others[i]));
    EXPECT_ERROR(NULL, SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_free(first));
}

/* Every function that takes an optimizer, called with handle `h` and
 * otherwise valid arguments (taken from `fx`). */
enum { N_HANDLE_CALLS = 16 };
static const char *const handle_call_names[N_HANDLE_CALLS] = {
    "algorithm", "add_group", "group_count", "set_hyperparameter", "get_hyperparameter",
    "state_kinds", "add_param", "param_count", "param_info", "step",
    "get_state", "set_state", "get_step", "set_step", "step_tensors", "free"};

static int32_t call_with_handle(int which, swiftopt_optimizer *h, fixture *fx, void *scratch) {
    int64_t i64 = -3;
    int32_t i32 = -3, kinds[8];
    double d = -3;
    const void *grads[MAX_PARAMS];
    for (int64_t i = 0; i < fx->n_params; i++) grads[i] = scratch;
    void *tensor_params[1] = {scratch};
    const void *tensor_grads[1] = {scratch};
    void *tensor_states[8] = {scratch, scratch, scratch, scratch, scratch, scratch, scratch, scratch};
    int64_t tensor_counts[1] = {1}, tensor_steps[1] = {0};
    int32_t kind = fx->algorithm == SWIFTOPT_ALGORITHM_ADAGRAD ? SWIFTOPT_STATE_SUM
                   : fx->algorithm == SWIFTOPT_ALGORITHM_SGD   ? SWIFTOPT_STATE_MOMENTUM_BUFFER
                   : fx->algorithm == SWIFTOPT_ALGORITHM_RMSPROP ? SWIFTOPT_STATE_SQUARE_AVG
                                                                 : SWIFTOPT_STATE_EXP_AVG;
    int32_t st;
    switch (which) {
    case 0: st = swiftopt_optimizer_algorithm(h, &i32); break;
    case 1: st = swiftopt_optimizer_add_group(h, &i64); break;
    case 2: st = swiftopt_optimizer_group_count(h, &i64); break;
    case 3: st = swiftopt_optimizer_set_hyperparameter(h, 0, SWIFTOPT_HP_LR, 0.5); break;
    case 4: st = swiftopt_optimizer_get_hyperparameter(h, 0, SWIFTOPT_HP_LR, &d); break;
    case 5: st = swiftopt_optimizer_state_kinds(h, 0, kinds, 8, &i64); break;
    case 6: st = swiftopt_optimizer_add_param(h, 0, F32, scratch, 4, &i64); break;
    case 7: st = swiftopt_optimizer_param_count(h, &i64); break;
    case 8: st = swiftopt_optimizer_param_info(h, 0, &i64, &i32, &i64); break;
    case 9: st = swiftopt_optimizer_step(h, grads, fx->n_params); break;
    case 10: st = swiftopt_optimizer_get_state(h, 0, kind, scratch, fx->count[0]); break;
    case 11: st = swiftopt_optimizer_set_state(h, 0, kind, scratch, fx->count[0]); break;
    case 12: st = swiftopt_optimizer_get_step(h, 0, &i64); break;
    case 13: st = swiftopt_optimizer_set_step(h, 0, 5); break;
    case 14: {
        int64_t kinds_count = 0;
        swiftopt_optimizer_state_kinds(fx->opt, 0, kinds, 8, &kinds_count);
        st = swiftopt_optimizer_step_tensors(h, 0, F64, 1, tensor_params, tensor_grads, tensor_counts,
                                             tensor_states, kinds_count, tensor_steps);
        break;
    }
    default: st = swiftopt_optimizer_free(h); break;
    }
    /* failing calls leave out-parameters untouched */
    CHECKF(st == SWIFTOPT_OK || (i64 == -3 && i32 == -3 && d == -3),
           "%s wrote an out-parameter while failing", handle_call_names[which]);
    return st;
}

static void test_bad_handles(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    double scratch[64];
    memset(scratch, 0, sizeof scratch);
    fixture_watch(&fx, scratch, sizeof scratch);

    /* a freed optimizer whose parameter buffer is watched too */
    swiftopt_optimizer *freed = NULL;
    double freed_param[4] = {1, 2, 3, 4};
    fixture_watch(&fx, freed_param, sizeof freed_param);
    CHECK_OK(swiftopt_optimizer_create(algo, &freed));
    CHECK_OK(swiftopt_optimizer_add_param(freed, 0, F64, freed_param, 4, NULL));
    CHECK_OK(swiftopt_optimizer_free(freed));

    int local;
    swiftopt_optimizer *const forged[] = {
        freed,
        (swiftopt_optimizer *)(uintptr_t)0xdead0,
        (swiftopt_optimizer *)(uintptr_t)0x1,
        (swiftopt_optimizer *)(uintptr_t)((uintptr_t)fx.opt + 1),
        (swiftopt_optimizer *)(uintptr_t)((uintptr_t)fx.opt + 8),
        (swiftopt_optimizer *)(uintptr_t)(UINTPTR_MAX & ~(uintptr_t)15),
        (swiftopt_optimizer *)(void *)&local,
        (swiftopt_optimizer *)(void *)scratch,
    };
    for (int which = 0; which < N_HANDLE_CALLS; which++) {
        if (which != N_HANDLE_CALLS - 1) {
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, call_with_handle(which, NULL, &fx, scratch));
        }
        for (size_t k = 0; k < sizeof forged / sizeof *forged; k++)
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_HANDLE, call_with_handle(which, forged[k], &fx, scratch));
    }
    /* NULL out-pointers of the functions that require them */
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_algorithm(fx.opt, NULL));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_group_count(fx.opt, NULL));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_param_count(fx.opt, NULL));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER,
                 swiftopt_optimizer_get_hyperparameter(fx.opt, 0, SWIFTOPT_HP_LR, NULL));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_get_step(fx.opt, 0, NULL));
    /* optional out-pointers */
    CHECK_OK(swiftopt_optimizer_param_info(fx.opt, 0, NULL, NULL, NULL));
    int64_t before_groups = 0, after_groups = 0;
    CHECK_OK(swiftopt_optimizer_group_count(fx.opt, &before_groups));
    CHECK_OK(swiftopt_optimizer_add_group(fx.opt, NULL));
    CHECK_OK(swiftopt_optimizer_group_count(fx.opt, &after_groups));
    CHECK(after_groups == before_groups + 1);
    fixture_free(&fx);
}

/* ---- hyperparameters ------------------------------------------------------- */

static void test_hyperparameter_errors(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    double v = -3;
    const int64_t bad_groups[] = {-1, 2, 3, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_groups / sizeof *bad_groups; i++) {
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     swiftopt_optimizer_set_hyperparameter(fx.opt, bad_groups[i], SWIFTOPT_HP_LR, 0.5));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     swiftopt_optimizer_get_hyperparameter(fx.opt, bad_groups[i], SWIFTOPT_HP_LR, &v));
    }
    const int32_t bad_hps[] = {0, -1, 20, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad_hps / sizeof *bad_hps; i++) {
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                     swiftopt_optimizer_set_hyperparameter(fx.opt, 0, bad_hps[i], 0.5));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                     swiftopt_optimizer_get_hyperparameter(fx.opt, 1, bad_hps[i], &v));
    }
    int unused = 0;
    for (int32_t hp = 1; hp <= 19; hp++) {
        if (algorithm_uses(algo, hp)) continue;
        unused++;
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                     swiftopt_optimizer_set_hyperparameter(fx.opt, 0, hp, 0.0));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                     swiftopt_optimizer_get_hyperparameter(fx.opt, 1, hp, &v));
    }
    CHECK(unused >= 7);
    CHECK(v == -3);
    fixture_free(&fx);
}

/* Out-of-bound, NaN and infinite values for every hyperparameter, driven by
 * swiftopt_algorithm_hyperparameter_info(); valid edge values are accepted. */
static void test_bounds(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    int32_t hps[32];
    int64_t n = 0;
    CHECK_OK(swiftopt_algorithm_hyperparameters(algo, hps, 32, &n));
    for (int64_t k = 0; k < n; k++) {
        int32_t hp = hps[k];
        double def = 0, lo = 0, hi = 0;
        uint32_t flags = 0;
        if (!CHECK_OK(swiftopt_algorithm_hyperparameter_info(algo, hp, &def, &lo, &hi, &flags))) continue;
        double bad[16];
        int nbad = 0;
        bad[nbad++] = NAN;
        bad[nbad++] = -NAN;
        bad[nbad++] = INFINITY;
        bad[nbad++] = -INFINITY;
        double good[4];
        int ngood = 0;
        if (flags & SWIFTOPT_HP_FLAG_BOOLEAN) {
            CHECK(lo == 0 && hi == 1);
            bad[nbad++] = 0.5;
            bad[nbad++] = -1;
            bad[nbad++] = 2;
            bad[nbad++] = 1e-300;
            bad[nbad++] = nextafter(1.0, 2.0);
            good[ngood++] = 0;
            if (hp != SWIFTOPT_HP_NESTEROV) good[ngood++] = 1; /* nesterov: see test_nesterov */
        } else {
            CHECK(isfinite(lo));
            bad[nbad++] = nextafter(lo, -INFINITY);
            bad[nbad++] = lo - 1;
            bad[nbad++] = -1e300;
            if (flags & SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE) bad[nbad++] = lo;
            else good[ngood++] = lo;
            if (isfinite(hi)) {
                bad[nbad++] = nextafter(hi, INFINITY);
                bad[nbad++] = hi + 1;
                bad[nbad++] = 1e300;
                if (flags & SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE) {
                    bad[nbad++] = hi;
                    good[ngood++] = nextafter(hi, -INFINITY);
                } else {
                    good[ngood++] = hi;
                }
            } else {
                CHECK(hi == INFINITY && !(flags & SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE));
                good[ngood++] = 1e300;
            }
            if (flags & SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE) good[ngood++] = nextafter(lo, INFINITY);
        }
        for (int64_t group = 0; group < 2; group++) {
            for (int b = 0; b < nbad; b++) {
                EXPECT_ERROR(&fx, SWIFTOPT_ERROR_OUT_OF_BOUNDS,
                             swiftopt_optimizer_set_hyperparameter(fx.opt, group, hp, bad[b]));
            }
        }
        /* valid edges are accepted and read back exactly (group 1), then restored */
        double original = 0;
        CHECK_OK(swiftopt_optimizer_get_hyperparameter(fx.opt, 1, hp, &original));
        CHECK(original == def); /* group 1 is at the defaults */
        for (int g = 0; g < ngood; g++) {
            double back = -1;
            CHECKF(swiftopt_optimizer_set_hyperparameter(fx.opt, 1, hp, good[g]) == SWIFTOPT_OK,
                   "%s: %s = %.17g should be accepted", swiftopt_algorithm_name(algo),
                   swiftopt_hyperparameter_name(hp), good[g]);
            CHECK_OK(swiftopt_optimizer_get_hyperparameter(fx.opt, 1, hp, &back));
            CHECK(back == good[g]);
        }
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(fx.opt, 1, hp, original));
    }
    fixture_free(&fx);
}

static void test_nesterov(void) {
    fixture fx;
    if (!fixture_init(&fx, SWIFTOPT_ALGORITHM_SGD)) return;
    swiftopt_optimizer *o = fx.opt;
    /* group 1: momentum 0 */
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS,
                 swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_NESTEROV, 1));
    /* group 1: momentum > 0 but dampening != 0 */
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_MOMENTUM, 0.9));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_DAMPENING, 0.5));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS,
                 swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_NESTEROV, 1));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_DAMPENING, 0));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_NESTEROV, 1));
    /* with nesterov on, momentum 0 or a dampening are refused */
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS,
                 swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_MOMENTUM, 0));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS,
                 swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_DAMPENING, 0.1));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS,
                 swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_DAMPENING, 1));
    /* out of bounds wins over incompatible for an invalid value */
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_OUT_OF_BOUNDS,
                 swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_MOMENTUM, -1));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_MOMENTUM, 0.5));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_NESTEROV, 0));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_MOMENTUM, 0));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 1, SWIFTOPT_HP_DAMPENING, 1));
    fixture_free(&fx);
}

/* ---- state kinds, parameters ------------------------------------------------ */

static void test_state_kinds_errors(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    int32_t kinds[16];
    for (int i = 0; i < 16; i++) kinds[i] = -5;
    int64_t count = -9;
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_state_kinds(fx.opt, 0, kinds, 16, NULL));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_state_kinds(fx.opt, 0, NULL, 4, &count));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, swiftopt_optimizer_state_kinds(fx.opt, 0, kinds, -1, &count));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                 swiftopt_optimizer_state_kinds(fx.opt, 0, kinds, INT64_MIN, &count));
    const int64_t bad_groups[] = {-1, 2, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_groups / sizeof *bad_groups; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     swiftopt_optimizer_state_kinds(fx.opt, bad_groups[i], kinds, 16, &count));
    CHECK(count == -9 && kinds[0] == -5);
    int64_t full = 0;
    CHECK_OK(swiftopt_optimizer_state_kinds(fx.opt, 0, kinds, 16, &full));
    CHECK(full >= 1);
    count = -9;
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_BUFFER_TOO_SMALL, swiftopt_optimizer_state_kinds(fx.opt, 0, NULL, 0, &count));
    CHECK(count == full);
    count = -9;
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_BUFFER_TOO_SMALL,
                 swiftopt_optimizer_state_kinds(fx.opt, 0, kinds, full - 1, &count));
    CHECK(count == full);
    fixture_free(&fx);
}

static void test_add_param_errors(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    _Alignas(64) unsigned char raw[256];
    memset(raw, 0, sizeof raw);
    fixture_watch(&fx, raw, sizeof raw);
    int64_t out = -99;
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_add_param(fx.opt, 0, F32, NULL, 4, &out));
    const int64_t bad_groups[] = {-1, 2, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_groups / sizeof *bad_groups; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     swiftopt_optimizer_add_param(fx.opt, bad_groups[i], F32, raw, 4, &out));
    const int32_t bad_dtypes[] = {0, 3, -1, 4, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof bad_dtypes / sizeof *bad_dtypes; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_DTYPE_MISMATCH,
                     swiftopt_optimizer_add_param(fx.opt, 0, bad_dtypes[i], raw, 4, &out));
    const int64_t bad_counts[] = {0, -1, INT64_MIN, INT64_MAX, INT64_MAX / 4 + 1};
    for (size_t i = 0; i < sizeof bad_counts / sizeof *bad_counts; i++) {
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                     swiftopt_optimizer_add_param(fx.opt, 0, F32, raw, bad_counts[i], &out));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                     swiftopt_optimizer_add_param(fx.opt, 1, F64, raw, bad_counts[i], &out));
    }
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                 swiftopt_optimizer_add_param(fx.opt, 0, F64, raw, INT64_MAX / 8 + 1, &out));
    /* misaligned buffers */
    for (int off = 1; off < 8; off++) {
        if (off % 4 != 0)
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                         swiftopt_optimizer_add_param(fx.opt, 0, F32, raw + off, 4, &out));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT,
                     swiftopt_optimizer_add_param(fx.opt, 0, F64, raw + off, 4, &out));
    }
    /* state that cannot be allocated (group 0 has state for every algorithm) */
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_OUT_OF_MEMORY,
                 swiftopt_optimizer_add_param(fx.opt, 0, F64, raw, (int64_t)1 << 59, &out));
    CHECK(out == -99);
    fixture_free(&fx);
}

static void test_param_info_errors(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    int64_t group = -7, count = -7, step = -7;
    int32_t dtype = -7;
    const int64_t bad_params[] = {-1, 3, 4, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_params / sizeof *bad_params; i++) {
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     swiftopt_optimizer_param_info(fx.opt, bad_params[i], &group, &dtype, &count));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     swiftopt_optimizer_get_step(fx.opt, bad_params[i], &step));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     swiftopt_optimizer_set_step(fx.opt, bad_params[i], 3));
    }
    CHECK(group == -7 && count == -7 && dtype == -7 && step == -7);
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, swiftopt_optimizer_set_step(fx.opt, 0, -1));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, swiftopt_optimizer_set_step(fx.opt, 2, INT64_MIN));
    fixture_free(&fx);
}

/* ---- steps ---------------------------------------------------------------------- */

static void test_step_errors(int32_t algo) {
    /* a step before any parameter */
    swiftopt_optimizer *empty = NULL;
    if (CHECK_OK(swiftopt_optimizer_create(algo, &empty))) {
        const void *none[1] = {NULL};
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NO_PARAMETERS, swiftopt_optimizer_step(empty, none, 0));
        int64_t g = 0;
        CHECK_OK(swiftopt_optimizer_add_group(empty, &g));
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NO_PARAMETERS, swiftopt_optimizer_step(empty, none, 0));
        EXPECT_ERROR(NULL, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_step(empty, NULL, 0));
        CHECK_OK(swiftopt_optimizer_free(empty));
    }

    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    _Alignas(64) double g0[8], g1[8], g2[8];
    _Alignas(64) unsigned char raw[128];
    fill(g0, F32, 5, 1);
    fill(g1, F64, 3, 2);
    fill(g2, F64, 4, 3);
    memset(raw, 0, sizeof raw);
    const void *grads[5] = {g0, g1, g2, g0, g0};
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_step(fx.opt, NULL, 3));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, swiftopt_optimizer_step(fx.opt, grads, -1));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, swiftopt_optimizer_step(fx.opt, grads, INT64_MIN));
    const int64_t bad_n[] = {0, 1, 2, 4, 5};
    for (size_t i = 0; i < sizeof bad_n / sizeof *bad_n; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_SIZE_MISMATCH, swiftopt_optimizer_step(fx.opt, grads, bad_n[i]));
    /* a misaligned gradient anywhere: nothing is written, not even the
     * parameters before it */
    for (int which = 0; which < 3; which++) {
        const void *g[3] = {g0, g1, g2};
        for (int off = 1; off < 8; off++) {
            if (which == 0 && off % 4 == 0) continue;
            g[which] = raw + off;
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, swiftopt_optimizer_step(fx.opt, g, 3));
        }
    }
    /* after all that, a valid step still works */
    int64_t before = 0, after = 0;
    CHECK_OK(swiftopt_optimizer_get_step(fx.opt, 2, &before));
    CHECK_OK(swiftopt_optimizer_step(fx.opt, grads, 3));
    CHECK_OK(swiftopt_optimizer_get_step(fx.opt, 2, &after));
    CHECK(after == before + 1);
    fixture_free(&fx);
}

static void test_state_errors(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    int32_t kinds[16];
    int64_t n_kinds = 0;
    CHECK_OK(swiftopt_optimizer_state_kinds(fx.opt, 0, kinds, 16, &n_kinds));
    CHECK(n_kinds >= 1);
    const int32_t kind = kinds[0];
    /* param 2: fp64, 4 elements, group 0; param 0: fp32, 5 elements */
    _Alignas(64) unsigned char out[256];
    memset(out, 0x5C, sizeof out);
    fixture_watch(&fx, out, sizeof out);
    for (int set = 0; set < 2; set++) {
#define STATE_CALL(param, state, buf, count)                                                  \
    (set ? swiftopt_optimizer_set_state(fx.opt, (param), (state), (buf), (count))             \
         : swiftopt_optimizer_get_state(fx.opt, (param), (state), (buf), (count)))
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, STATE_CALL(2, kind, NULL, 4));
        const int64_t bad_params[] = {-1, 3, INT64_MAX, INT64_MIN};
        for (size_t i = 0; i < sizeof bad_params / sizeof *bad_params; i++)
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, STATE_CALL(bad_params[i], kind, out, 4));
        const int32_t bad_kinds[] = {0, -1, 8, 100, INT32_MIN, INT32_MAX};
        for (size_t i = 0; i < sizeof bad_kinds / sizeof *bad_kinds; i++)
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_UNKNOWN_STATE, STATE_CALL(2, bad_kinds[i], out, 4));
        /* kinds the parameter's group does not use under its options */
        for (int32_t k = 1; k <= 7; k++) {
            for (int p = 1; p <= 2; p++) {
                int64_t group = -1, count = 0;
                int32_t group_kinds[16];
                int64_t n_group_kinds = 0, used = 0;
                CHECK_OK(swiftopt_optimizer_param_info(fx.opt, p, &group, NULL, &count));
                CHECK_OK(swiftopt_optimizer_state_kinds(fx.opt, group, group_kinds, 16, &n_group_kinds));
                for (int64_t j = 0; j < n_group_kinds; j++) used |= group_kinds[j] == k;
                if (!used) EXPECT_ERROR(&fx, SWIFTOPT_ERROR_UNKNOWN_STATE, STATE_CALL(p, k, out, count));
            }
        }
        const int64_t bad_counts[] = {3, 5, 0, -1, INT64_MAX, INT64_MIN};
        for (size_t i = 0; i < sizeof bad_counts / sizeof *bad_counts; i++)
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_SIZE_MISMATCH, STATE_CALL(2, kind, out, bad_counts[i]));
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_SIZE_MISMATCH, STATE_CALL(0, kind, out, 4));
        for (int off = 1; off < 8; off++) {
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, STATE_CALL(2, kind, out + off, 4));
            if (off % 4 != 0)
                EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, STATE_CALL(0, kind, out + off, 5));
        }
#undef STATE_CALL
    }
    fixture_free(&fx);
}

/* Caller-owned step: every argument of swiftopt_optimizer_step_tensors. */
static void test_step_tensors_errors(int32_t algo) {
    fixture fx;
    if (!fixture_init(&fx, algo)) return;
    int32_t kinds[16];
    int64_t spt = 0;
    CHECK_OK(swiftopt_optimizer_state_kinds(fx.opt, 0, kinds, 16, &spt));
    CHECK(spt >= 1 && spt <= 3);
    enum { N = 2 };
    _Alignas(64) double p[N][4], g[N][4], s[N][4][4];
    _Alignas(64) unsigned char raw[64];
    memset(raw, 0, sizeof raw);
    for (int i = 0; i < N; i++) {
        fill(p[i], F64, 4, 10u + (uint64_t)i);
        fill(g[i], F64, 4, 20u + (uint64_t)i);
    }
    memset(s, 0, sizeof s);
    int64_t counts[N] = {4, 3}, steps[N] = {0, 7};
    void *params[N] = {p[0], p[1]};
    const void *grads[N] = {g[0], g[1]};
    /* room for states_per_tensor + 1 entries per tensor; entries past the
     * valid ones point to real buffers too */
    void *states[N * 4];
    for (int k = 0; k < N * 4; k++) states[k] = s[N - 1][3];
    for (int i = 0; i < N; i++)
        for (int64_t j = 0; j < spt; j++) states[i * spt + j] = s[i][j];
    fixture_watch(&fx, p, sizeof p);
    fixture_watch(&fx, g, sizeof g);
    fixture_watch(&fx, s, sizeof s);
    fixture_watch(&fx, counts, sizeof counts);
    fixture_watch(&fx, steps, sizeof steps);
    fixture_watch(&fx, params, sizeof params);
    fixture_watch(&fx, grads, sizeof grads);
    fixture_watch(&fx, states, sizeof states);
    swiftopt_optimizer *o = fx.opt;

#define ST(group, dtype, n, prm, grd, cnt, sts, per, stp) \
    swiftopt_optimizer_step_tensors(o, (group), (dtype), (n), (prm), (grd), (cnt), (sts), (per), (stp))
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER,
                 swiftopt_optimizer_step_tensors(NULL, 0, F64, N, params, grads, counts, states, spt, steps));
    const int64_t bad_groups[] = {-1, 2, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_groups / sizeof *bad_groups; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                     ST(bad_groups[i], F64, N, params, grads, counts, states, spt, steps));
    const int32_t bad_dtypes[] = {0, 3, -1, INT32_MAX};
    for (size_t i = 0; i < sizeof bad_dtypes / sizeof *bad_dtypes; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_DTYPE_MISMATCH,
                     ST(0, bad_dtypes[i], N, params, grads, counts, states, spt, steps));
    const int64_t bad_n[] = {0, -1, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_n / sizeof *bad_n; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F64, bad_n[i], params, grads, counts, states, spt, steps));
    /* NULL arrays */
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, NULL, grads, counts, states, spt, steps));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, params, NULL, counts, states, spt, steps));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, params, grads, NULL, states, spt, steps));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, params, grads, counts, NULL, spt, steps));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, params, grads, counts, states, spt, NULL));
    /* states_per_tensor differs from the group's state kinds */
    const int64_t bad_spt[] = {spt - 1, spt + 1, -1, 65, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_spt / sizeof *bad_spt; i++)
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_SIZE_MISMATCH, ST(0, F64, N, params, grads, counts, states, bad_spt[i], steps));
    /* group 1 is at the defaults: its state count differs except for Adagrad/Adam(W) */
    {
        int64_t spt1 = -1;
        int32_t kinds1[16];
        CHECK_OK(swiftopt_optimizer_state_kinds(o, 1, kinds1, 16, &spt1));
        if (spt1 != spt)
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_SIZE_MISMATCH, ST(1, F64, N, params, grads, counts, states, spt, steps));
    }
    /* NULL entries */
    for (int i = 0; i < N; i++) {
        void *saved = params[i];
        params[i] = NULL;
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, params, grads, counts, states, spt, steps));
        params[i] = saved;
        const void *saved_grad = grads[i];
        grads[i] = NULL;
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, params, grads, counts, states, spt, steps));
        grads[i] = saved_grad;
    }
    for (int64_t k = 0; k < N * spt; k++) {
        void *saved = states[k];
        states[k] = NULL;
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_NULL_POINTER, ST(0, F64, N, params, grads, counts, states, spt, steps));
        states[k] = saved;
    }
    /* counts and steps */
    const int64_t bad_counts[] = {0, -1, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof bad_counts / sizeof *bad_counts; i++) {
        counts[1] = bad_counts[i];
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F32, N, params, grads, counts, states, spt, steps));
        counts[1] = 3;
    }
    steps[1] = -1;
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F64, N, params, grads, counts, states, spt, steps));
    steps[1] = INT64_MIN;
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F64, N, params, grads, counts, states, spt, steps));
    /* a step count that cannot be incremented */
    steps[1] = INT64_MAX;
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F64, N, params, grads, counts, states, spt, steps));
    steps[1] = 7;
    /* misaligned buffers, in any position */
    for (int off = 1; off < 8; off++) {
        for (int i = 0; i < N; i++) {
            void *saved = params[i];
            params[i] = raw + off;
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F64, N, params, grads, counts, states, spt, steps));
            params[i] = saved;
            const void *saved_grad = grads[i];
            grads[i] = raw + off;
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F64, N, params, grads, counts, states, spt, steps));
            grads[i] = saved_grad;
        }
        void *saved = states[N * spt - 1];
        states[N * spt - 1] = raw + off;
        EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F64, N, params, grads, counts, states, spt, steps));
        states[N * spt - 1] = saved;
        if (off % 4 != 0) {
            params[1] = raw + off;
            EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, ST(0, F32, N, params, grads, counts, states, spt, steps));
            params[1] = p[1];
        }
    }
    /* the same arguments are valid: the step runs, updates the caller's
     * buffers and steps, and leaves the registered parameters alone */
    fx.n_extra = 0;
    bytes before = {0}, after = {0};
    snapshot(&fx, &before);
    double p1_before = p[1][0];
    CHECK_OK(ST(0, F64, N, params, grads, counts, states, spt, steps));
    snapshot(&fx, &after);
    CHECK(before.n == after.n && memcmp(before.p, after.p, before.n) == 0);
    CHECK(steps[0] == 1 && steps[1] == 8);
    CHECK(p[1][0] != p1_before);
    free(before.p);
    free(after.p);
#undef ST
    fixture_free(&fx);
}

/* A parameter whose step count cannot be incremented any more. */
static void test_step_count_overflow(void) {
    fixture fx;
    if (!fixture_init(&fx, SWIFTOPT_ALGORITHM_ADAM)) return;
    double g0[8] = {0}, g1[8] = {0}, g2[8] = {0};
    const void *grads[3] = {g0, g1, g2};
    CHECK_OK(swiftopt_optimizer_set_step(fx.opt, 1, INT64_MAX));
    EXPECT_ERROR(&fx, SWIFTOPT_ERROR_INVALID_ARGUMENT, swiftopt_optimizer_step(fx.opt, grads, 3));
    /* skipping that parameter is fine */
    grads[1] = NULL;
    CHECK_OK(swiftopt_optimizer_step(fx.opt, grads, 3));
    int64_t step = 0;
    CHECK_OK(swiftopt_optimizer_get_step(fx.opt, 1, &step));
    CHECK(step == INT64_MAX);
    CHECK_OK(swiftopt_optimizer_set_step(fx.opt, 1, INT64_MAX - 1));
    grads[1] = g1;
    CHECK_OK(swiftopt_optimizer_step(fx.opt, grads, 3));
    CHECK_OK(swiftopt_optimizer_get_step(fx.opt, 1, &step));
    CHECK(step == INT64_MAX);
    fixture_free(&fx);
}

int main(void) {
    test_last_error_message();
    test_name_lookup_errors();
    test_introspection_errors();
    test_create_free();
    test_nesterov();
    test_step_count_overflow();
    for (int a = 0; a < N_ALGORITHMS; a++) {
        int32_t algo = all_algorithms[a];
        test_bad_handles(algo);
        test_hyperparameter_errors(algo);
        test_bounds(algo);
        test_state_kinds_errors(algo);
        test_add_param_errors(algo);
        test_param_info_errors(algo);
        test_step_errors(algo);
        test_state_errors(algo);
        test_step_tensors_errors(algo);
    }
    return check_report("test_errors");
}
