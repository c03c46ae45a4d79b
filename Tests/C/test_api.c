/*
 * test_api.c: versions, names, introspection against the header's tables,
 * and the happy paths: library-owned and caller-owned steps agree bit for
 * bit, one-step results computed by hand from the header's formulas, NULL
 * gradients skip a parameter, a changed lr applies from the next step, and a
 * checkpoint restored with set_state/set_step continues identically.
 */
#include "check.h"

#define F32 SWIFTOPT_DTYPE_FLOAT32
#define F64 SWIFTOPT_DTYPE_FLOAT64
#define N_ALGORITHMS 5
#define MAX_KINDS 8

static const int32_t all_algorithms[N_ALGORITHMS] = {
    SWIFTOPT_ALGORITHM_SGD, SWIFTOPT_ALGORITHM_ADAGRAD, SWIFTOPT_ALGORITHM_RMSPROP,
    SWIFTOPT_ALGORITHM_ADAM, SWIFTOPT_ALGORITHM_ADAMW};

static size_t elem_size(int32_t dtype) { return dtype == F32 ? 4u : 8u; }

static void fill(void *data, int32_t dtype, int64_t count, uint64_t seed) {
    for (int64_t i = 0; i < count; i++) {
        double v = test_rand(&seed);
        if (dtype == F32) ((float *)data)[i] = (float)v;
        else ((double *)data)[i] = v;
    }
}

static double get_hp(swiftopt_optimizer *o, int64_t group, int32_t hp) {
    double v = NAN;
    CHECK_OK(swiftopt_optimizer_get_hyperparameter(o, group, hp, &v));
    return v;
}

static int64_t state_kinds(swiftopt_optimizer *o, int64_t group, int32_t *kinds) {
    int64_t n = -1;
    CHECK_OK(swiftopt_optimizer_state_kinds(o, group, kinds, MAX_KINDS, &n));
    return n;
}

/* ---- versions and names ----------------------------------------------------- */

static void test_versions(void) {
    CHECK(swiftopt_version_number() == SWIFTOPT_VERSION_NUMBER);
    CHECK(SWIFTOPT_VERSION_NUMBER ==
          SWIFTOPT_VERSION_MAJOR * 10000 + SWIFTOPT_VERSION_MINOR * 100 + SWIFTOPT_VERSION_PATCH);
    const char *s = swiftopt_version_string();
    CHECK(s != NULL);
    if (!s) return;
    CHECK(strcmp(s, SWIFTOPT_VERSION_STRING) == 0);
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", SWIFTOPT_VERSION_MAJOR, SWIFTOPT_VERSION_MINOR,
             SWIFTOPT_VERSION_PATCH);
    CHECK(strcmp(s, expected) == 0);
    CHECK(swiftopt_version_string() == s); /* static */
    unsigned major = 99, minor = 99, patch = 99;
    CHECK(sscanf(s, "%u.%u.%u", &major, &minor, &patch) == 3);
    CHECK(major * 10000 + minor * 100 + patch == swiftopt_version_number());
}

static void test_status_names(void) {
    static const char *const names[] = {
        "SWIFTOPT_OK",
        "SWIFTOPT_ERROR_NULL_POINTER",
        "SWIFTOPT_ERROR_INVALID_HANDLE",
        "SWIFTOPT_ERROR_INVALID_ARGUMENT",
        "SWIFTOPT_ERROR_UNKNOWN_ALGORITHM",
        "SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER",
        "SWIFTOPT_ERROR_OUT_OF_BOUNDS",
        "SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS",
        "SWIFTOPT_ERROR_DTYPE_MISMATCH",
        "SWIFTOPT_ERROR_SIZE_MISMATCH",
        "SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE",
        "SWIFTOPT_ERROR_NO_PARAMETERS",
        "SWIFTOPT_ERROR_UNKNOWN_STATE",
        "SWIFTOPT_ERROR_BUFFER_TOO_SMALL",
        "SWIFTOPT_ERROR_OUT_OF_MEMORY",
        "SWIFTOPT_ERROR_INTERNAL",
        "SWIFTOPT_ERROR_CORRUPT_DATA",
    };
    /* the fixed values of the header */
    const int32_t codes[] = {
        SWIFTOPT_OK, SWIFTOPT_ERROR_NULL_POINTER, SWIFTOPT_ERROR_INVALID_HANDLE,
        SWIFTOPT_ERROR_INVALID_ARGUMENT, SWIFTOPT_ERROR_UNKNOWN_ALGORITHM,
        SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER, SWIFTOPT_ERROR_OUT_OF_BOUNDS,
        SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS, SWIFTOPT_ERROR_DTYPE_MISMATCH,
        SWIFTOPT_ERROR_SIZE_MISMATCH, SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
        SWIFTOPT_ERROR_NO_PARAMETERS, SWIFTOPT_ERROR_UNKNOWN_STATE,
        SWIFTOPT_ERROR_BUFFER_TOO_SMALL, SWIFTOPT_ERROR_OUT_OF_MEMORY, SWIFTOPT_ERROR_INTERNAL,
        SWIFTOPT_ERROR_CORRUPT_DATA};
    for (int32_t i = 0; i < 17; i++) {
        CHECK(codes[i] == i);
        const char *name = swiftopt_status_name(i);
        CHECKF(name != NULL && strcmp(name, names[i]) == 0, "status %d is named %s", (int)i,
               name ? name : "(null)");
    }
    const int32_t unknown[] = {-1, 17, 18, 255, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        const char *name = swiftopt_status_name(unknown[i]);
        CHECK(name != NULL && strcmp(name, "SWIFTOPT_UNKNOWN_STATUS") == 0);
    }
}

static void test_names_round_trip(void) {
    static const char *const algorithms[] = {NULL, "sgd", "adagrad", "rmsprop", "adam", "adamw"};
    CHECK(SWIFTOPT_ALGORITHM_SGD == 1 && SWIFTOPT_ALGORITHM_ADAGRAD == 2 &&
          SWIFTOPT_ALGORITHM_RMSPROP == 3 && SWIFTOPT_ALGORITHM_ADAM == 4 &&
          SWIFTOPT_ALGORITHM_ADAMW == 5);
    for (int32_t a = 1; a <= 5; a++) {
        const char *name = swiftopt_algorithm_name(a);
        CHECK(name != NULL && strcmp(name, algorithms[a]) == 0);
        CHECK(swiftopt_algorithm_name(a) == name);
        int32_t back = -1;
        CHECK_OK(swiftopt_algorithm_from_name(algorithms[a], &back));
        CHECK(back == a);
        /* ASCII case-insensitive */
        char upper[32], mixed[32];
        size_t len = strlen(algorithms[a]);
        for (size_t i = 0; i <= len; i++) {
            char c = algorithms[a][i];
            upper[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
            mixed[i] = (i % 2 == 0) ? upper[i] : c;
        }
        back = -1;
        CHECK_OK(swiftopt_algorithm_from_name(upper, &back));
        CHECK(back == a);
        back = -1;
        CHECK_OK(swiftopt_algorithm_from_name(mixed, &back));
        CHECK(back == a);
    }
    int32_t code = -1;
    CHECK_OK(swiftopt_algorithm_from_name("AdamW", &code));
    CHECK(code == SWIFTOPT_ALGORITHM_ADAMW);
    CHECK_OK(swiftopt_algorithm_from_name("RMSprop", &code));
    CHECK(code == SWIFTOPT_ALGORITHM_RMSPROP);

    static const char *const hps[] = {
        NULL, "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "lr_decay",
        "initial_accumulator_value", "eps", "alpha", "centered", "beta1", "beta2", "amsgrad",
        "decoupled_weight_decay", "l1", "max_grad_norm", "clip_value", "skip_nonfinite"};
    for (int32_t h = 1; h <= 19; h++) {
        const char *name = swiftopt_hyperparameter_name(h);
        CHECKF(name != NULL && strcmp(name, hps[h]) == 0, "hyperparameter %d is named %s", (int)h,
               name ? name : "(null)");
        int32_t back = -1;
        CHECK_OK(swiftopt_hyperparameter_from_name(hps[h], &back));
        CHECK(back == h);
    }
    CHECK(SWIFTOPT_HP_LR == 1 && SWIFTOPT_HP_AMSGRAD == 14 && SWIFTOPT_HP_EPS == 9);
    CHECK(SWIFTOPT_HP_CLIP_VALUE == 18 && SWIFTOPT_HP_SKIP_NONFINITE == 19);

    static const char *const states[] = {NULL,         "momentum_buffer", "sum",
                                         "square_avg", "grad_avg",        "exp_avg",
                                         "exp_avg_sq", "max_exp_avg_sq"};
    for (int32_t s = 1; s <= 7; s++) {
        const char *name = swiftopt_state_name(s);
        CHECKF(name != NULL && strcmp(name, states[s]) == 0, "state %d is named %s", (int)s,
               name ? name : "(null)");
    }
    CHECK(swiftopt_state_name(0) == NULL && swiftopt_state_name(8) == NULL);
    CHECK(SWIFTOPT_DTYPE_FLOAT32 == 1 && SWIFTOPT_DTYPE_FLOAT64 == 2);
}

/* ---- introspection: the header's hyperparameter table, literally ---------- */

typedef struct {
    int32_t hp;
    double def, lo, hi;
    uint32_t flags;
} hp_row;

#define INF INFINITY
#define BOOL_ROW(hp) {hp, 0, 0, 1, SWIFTOPT_HP_FLAG_BOOLEAN}
/* The regularization and clipping options every algorithm ends with. */
#define COMMON_ROWS                                                                           \
    {SWIFTOPT_HP_L1, 0, 0, INF, 0},                                                           \
    {SWIFTOPT_HP_MAX_GRAD_NORM, 0, 0, INF, 0},                                                \
    {SWIFTOPT_HP_CLIP_VALUE, 0, 0, INF, 0},                                                   \
    BOOL_ROW(SWIFTOPT_HP_SKIP_NONFINITE)

/* Order: the SWIFTOPT_ALGORITHM_* comments (torch's constructor order). */
static const hp_row sgd_table[] = {
    {SWIFTOPT_HP_LR, 1e-3, 0, INF, 0},          {SWIFTOPT_HP_MOMENTUM, 0, 0, INF, 0},
    {SWIFTOPT_HP_DAMPENING, 0, 0, 1, 0},        {SWIFTOPT_HP_WEIGHT_DECAY, 0, 0, INF, 0},
    BOOL_ROW(SWIFTOPT_HP_NESTEROV),             BOOL_ROW(SWIFTOPT_HP_MAXIMIZE),
    BOOL_ROW(SWIFTOPT_HP_DECOUPLED_WEIGHT_DECAY), COMMON_ROWS};
static const hp_row adagrad_table[] = {
    {SWIFTOPT_HP_LR, 1e-2, 0, INF, 0},
    {SWIFTOPT_HP_LR_DECAY, 0, 0, INF, 0},
    {SWIFTOPT_HP_WEIGHT_DECAY, 0, 0, INF, 0},
    {SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE, 0, 0, INF, 0},
    {SWIFTOPT_HP_EPS, 1e-10, 0, INF, SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE},
    BOOL_ROW(SWIFTOPT_HP_MAXIMIZE),
    BOOL_ROW(SWIFTOPT_HP_DECOUPLED_WEIGHT_DECAY),
    COMMON_ROWS};
static const hp_row rmsprop_table[] = {
    {SWIFTOPT_HP_LR, 1e-2, 0, INF, 0},
    {SWIFTOPT_HP_ALPHA, 0.99, 0, 1, 0},
    {SWIFTOPT_HP_EPS, 1e-8, 0, INF, SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE},
    {SWIFTOPT_HP_WEIGHT_DECAY, 0, 0, INF, 0},
    {SWIFTOPT_HP_MOMENTUM, 0, 0, INF, 0},
    BOOL_ROW(SWIFTOPT_HP_CENTERED),
    BOOL_ROW(SWIFTOPT_HP_MAXIMIZE),
    BOOL_ROW(SWIFTOPT_HP_DECOUPLED_WEIGHT_DECAY),
    COMMON_ROWS};
static const hp_row adam_table[] = {
    {SWIFTOPT_HP_LR, 1e-3, 0, INF, 0},
    {SWIFTOPT_HP_BETA1, 0.9, 0, 1, SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE},
    {SWIFTOPT_HP_BETA2, 0.999, 0, 1, SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE},
    {SWIFTOPT_HP_EPS, 1e-8, 0, INF, SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE},
    {SWIFTOPT_HP_WEIGHT_DECAY, 0, 0, INF, 0},
    BOOL_ROW(SWIFTOPT_HP_AMSGRAD),
    BOOL_ROW(SWIFTOPT_HP_MAXIMIZE),
    BOOL_ROW(SWIFTOPT_HP_DECOUPLED_WEIGHT_DECAY),
    COMMON_ROWS};
static const hp_row adamw_table[] = {
    {SWIFTOPT_HP_LR, 1e-3, 0, INF, 0},
    {SWIFTOPT_HP_BETA1, 0.9, 0, 1, SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE},
    {SWIFTOPT_HP_BETA2, 0.999, 0, 1, SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE},
    {SWIFTOPT_HP_EPS, 1e-8, 0, INF, SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE},
    {SWIFTOPT_HP_WEIGHT_DECAY, 1e-2, 0, INF, 0},
    BOOL_ROW(SWIFTOPT_HP_AMSGRAD),
    BOOL_ROW(SWIFTOPT_HP_MAXIMIZE),
    COMMON_ROWS};

static const struct {
    const hp_row *rows;
    int n;
} tables[6] = {{NULL, 0},
               {sgd_table, 11},
               {adagrad_table, 11},
               {rmsprop_table, 12},
               {adam_table, 12},
               {adamw_table, 11}};

static void test_hyperparameter_tables(void) {
    for (int32_t a = 1; a <= 5; a++) {
        const hp_row *rows = tables[a].rows;
        int n = tables[a].n;
        int32_t hps[32];
        int64_t count = -1;
        if (!CHECK_OK(swiftopt_algorithm_hyperparameters(a, hps, 32, &count))) continue;
        CHECKF(count == n, "%s has %lld hyperparameters, the header lists %d",
               swiftopt_algorithm_name(a), (long long)count, n);
        /* an exact-size buffer works too */
        int32_t exact[16];
        int64_t count2 = -1;
        CHECK_OK(swiftopt_algorithm_hyperparameters(a, exact, n, &count2));
        CHECK(count2 == n && memcmp(exact, hps, (size_t)n * sizeof *hps) == 0);
        swiftopt_optimizer *o = NULL;
        CHECK_OK(swiftopt_optimizer_create(a, &o));
        for (int k = 0; k < n && k < count; k++) {
            CHECKF(hps[k] == rows[k].hp, "%s: hyperparameter #%d is %s, the header says %s",
                   swiftopt_algorithm_name(a), k, swiftopt_hyperparameter_name(hps[k]),
                   swiftopt_hyperparameter_name(rows[k].hp));
            double def = -1, lo = -1, hi = -1;
            uint32_t flags = 99;
            CHECK_OK(swiftopt_algorithm_hyperparameter_info(a, rows[k].hp, &def, &lo, &hi, &flags));
            CHECKF(def == rows[k].def && lo == rows[k].lo && hi == rows[k].hi &&
                       flags == rows[k].flags,
                   "%s.%s: default %g bounds %g..%g flags %u; header: %g %g..%g %u",
                   swiftopt_algorithm_name(a), swiftopt_hyperparameter_name(rows[k].hp), def, lo,
                   hi, flags, rows[k].def, rows[k].lo, rows[k].hi, rows[k].flags);
            /* each out-pointer alone */
            double only = -1;
            CHECK_OK(swiftopt_algorithm_hyperparameter_info(a, rows[k].hp, &only, NULL, NULL, NULL));
            CHECK(only == rows[k].def);
            uint32_t only_flags = 99;
            CHECK_OK(swiftopt_algorithm_hyperparameter_info(a, rows[k].hp, NULL, NULL, NULL, &only_flags));
            CHECK(only_flags == rows[k].flags);
            /* a new optimizer's group 0 holds the defaults */
            if (o) CHECK(get_hp(o, 0, rows[k].hp) == rows[k].def);
        }
        if (o) CHECK_OK(swiftopt_optimizer_free(o));
    }
}

/* ---- optimizers, groups, parameters, state kinds ----------------------------- */

static int same_kinds(const int32_t *got, int64_t n, const int32_t *want, int64_t n_want) {
    if (n != n_want) return 0;
    for (int64_t i = 0; i < n; i++)
        if (got[i] != want[i]) return 0;
    return 1;
}

/* Same kinds, in any order. */
static int same_kind_set(const int32_t *got, int64_t n, const int32_t *want, int64_t n_want) {
    if (n != n_want) return 0;
    for (int64_t i = 0; i < n; i++) {
        int found = 0;
        for (int64_t j = 0; j < n; j++) found += got[j] == want[i];
        if (found != 1) return 0;
    }
    return 1;
}

static void test_optimizer_basics(void) {
    for (int a = 0; a < N_ALGORITHMS; a++) {
        swiftopt_optimizer *o = NULL;
        if (!CHECK_OK(swiftopt_optimizer_create(all_algorithms[a], &o))) continue;
        CHECK(o != NULL);
        int32_t algo = -1;
        CHECK_OK(swiftopt_optimizer_algorithm(o, &algo));
        CHECK(algo == all_algorithms[a]);
        int64_t n = -1;
        CHECK_OK(swiftopt_optimizer_group_count(o, &n));
        CHECK(n == 1);
        CHECK_OK(swiftopt_optimizer_param_count(o, &n));
        CHECK(n == 0);
        int64_t g1 = -1, g2 = -1;
        CHECK_OK(swiftopt_optimizer_add_group(o, &g1));
        CHECK_OK(swiftopt_optimizer_add_group(o, &g2));
        CHECK(g1 == 1 && g2 == 2);
        CHECK_OK(swiftopt_optimizer_group_count(o, &n));
        CHECK(n == 3);
        /* groups are independent */
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 2, SWIFTOPT_HP_LR, 0.125));
        CHECK(get_hp(o, 2, SWIFTOPT_HP_LR) == 0.125);
        CHECK(get_hp(o, 0, SWIFTOPT_HP_LR) == get_hp(o, 1, SWIFTOPT_HP_LR));
        CHECK(get_hp(o, 0, SWIFTOPT_HP_LR) != 0.125);
        /* parameters: indices in registration order, info */
        float a32[3] = {1, 2, 3};
        double a64[5] = {1, 2, 3, 4, 5};
        int64_t i0 = -1, i1 = -1;
        CHECK_OK(swiftopt_optimizer_add_param(o, 2, F32, a32, 3, &i0));
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, a64, 5, &i1));
        CHECK_OK(swiftopt_optimizer_add_param(o, 1, F64, a64 + 1, 2, NULL));
        CHECK(i0 == 0 && i1 == 1);
        CHECK_OK(swiftopt_optimizer_param_count(o, &n));
        CHECK(n == 3);
        int64_t group = -1, count = -1, step = -1;
        int32_t dtype = -1;
        CHECK_OK(swiftopt_optimizer_param_info(o, 0, &group, &dtype, &count));
        CHECK(group == 2 && dtype == F32 && count == 3);
        CHECK_OK(swiftopt_optimizer_param_info(o, 2, &group, &dtype, &count));
        CHECK(group == 1 && dtype == F64 && count == 2);
        CHECK_OK(swiftopt_optimizer_get_step(o, 1, &step));
        CHECK(step == 0);
        CHECK_OK(swiftopt_optimizer_set_step(o, 1, 41));
        CHECK_OK(swiftopt_optimizer_get_step(o, 1, &step));
        CHECK(step == 41);
        CHECK_OK(swiftopt_optimizer_set_step(o, 1, 0));
        /* group 2 with lr 0 leaves its parameter alone; group 0's moves */
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 2, SWIFTOPT_HP_LR, 0));
        float g32[3] = {1, 1, 1};
        double g64[5] = {1, 1, 1, 1, 1};
        const void *grads[3] = {g32, g64, g64};
        CHECK_OK(swiftopt_optimizer_step(o, grads, 3));
        CHECK(a32[0] == 1 && a32[1] == 2 && a32[2] == 3);
        CHECK(a64[0] < 1 && a64[4] < 5);
        CHECK_OK(swiftopt_optimizer_get_step(o, 0, &step));
        CHECK(step == 1); /* stepped, with lr 0 */
        CHECK_OK(swiftopt_optimizer_free(o));
    }
}

static void test_state_kinds(void) {
    int32_t kinds[MAX_KINDS];
    int64_t n;
    swiftopt_optimizer *o = NULL;

    /* SGD: momentum_buffer only with momentum > 0 */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &o));
    n = state_kinds(o, 0, kinds);
    CHECK(n == 0);
    CHECK_OK(swiftopt_optimizer_state_kinds(o, 0, NULL, 0, &n)); /* count 0 fits capacity 0 */
    CHECK(n == 0);
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MOMENTUM, 0.9));
    n = state_kinds(o, 0, kinds);
    CHECK(n == 1 && kinds[0] == SWIFTOPT_STATE_MOMENTUM_BUFFER);
    int64_t g1 = 0;
    CHECK_OK(swiftopt_optimizer_add_group(o, &g1));
    CHECK(state_kinds(o, g1, kinds) == 0); /* per group */
    CHECK_OK(swiftopt_optimizer_free(o));

    /* Adagrad: sum */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAGRAD, &o));
    n = state_kinds(o, 0, kinds);
    CHECK(n == 1 && kinds[0] == SWIFTOPT_STATE_SUM);
    CHECK_OK(swiftopt_optimizer_free(o));

    /* RMSprop: square_avg, + momentum_buffer with momentum, + grad_avg when centered */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_RMSPROP, &o));
    n = state_kinds(o, 0, kinds);
    CHECK(n == 1 && kinds[0] == SWIFTOPT_STATE_SQUARE_AVG);
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_CENTERED, 1));
    n = state_kinds(o, 0, kinds);
    const int32_t centered[] = {SWIFTOPT_STATE_SQUARE_AVG, SWIFTOPT_STATE_GRAD_AVG};
    CHECK(same_kind_set(kinds, n, centered, 2));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MOMENTUM, 0.5));
    n = state_kinds(o, 0, kinds);
    const int32_t all_rms[] = {SWIFTOPT_STATE_SQUARE_AVG, SWIFTOPT_STATE_MOMENTUM_BUFFER,
                               SWIFTOPT_STATE_GRAD_AVG};
    CHECK(same_kind_set(kinds, n, all_rms, 3));
    /* the order is fixed: asking again gives the same list */
    int32_t again[MAX_KINDS];
    CHECK(same_kinds(again, state_kinds(o, 0, again), kinds, n));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_CENTERED, 0));
    n = state_kinds(o, 0, kinds);
    const int32_t momentum_rms[] = {SWIFTOPT_STATE_SQUARE_AVG, SWIFTOPT_STATE_MOMENTUM_BUFFER};
    CHECK(same_kind_set(kinds, n, momentum_rms, 2));
    CHECK_OK(swiftopt_optimizer_free(o));

    /* Adam, AdamW: exp_avg, exp_avg_sq, + max_exp_avg_sq with amsgrad (order as documented) */
    for (int32_t algo = SWIFTOPT_ALGORITHM_ADAM; algo <= SWIFTOPT_ALGORITHM_ADAMW; algo++) {
        REQUIRE_OK(swiftopt_optimizer_create(algo, &o));
        const int32_t adam[] = {SWIFTOPT_STATE_EXP_AVG, SWIFTOPT_STATE_EXP_AVG_SQ,
                                SWIFTOPT_STATE_MAX_EXP_AVG_SQ};
        n = state_kinds(o, 0, kinds);
        CHECK(same_kinds(kinds, n, adam, 2));
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_AMSGRAD, 1));
        n = state_kinds(o, 0, kinds);
        CHECK(n == 3 && same_kinds(kinds, n, adam, 3));
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_AMSGRAD, 0));
        CHECK(state_kinds(o, 0, kinds) == 2);
        CHECK_OK(swiftopt_optimizer_free(o));
    }
}

/* Initial values of the state tensors (the header's state table). */
static void test_initial_state(void) {
    for (int a = 0; a < N_ALGORITHMS; a++) {
        swiftopt_optimizer *o = NULL;
        if (!CHECK_OK(swiftopt_optimizer_create(all_algorithms[a], &o))) continue;
        int32_t algo = all_algorithms[a];
        if (algo == SWIFTOPT_ALGORITHM_SGD || algo == SWIFTOPT_ALGORITHM_RMSPROP)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MOMENTUM, 0.5));
        if (algo == SWIFTOPT_ALGORITHM_RMSPROP)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_CENTERED, 1));
        if (algo == SWIFTOPT_ALGORITHM_ADAM || algo == SWIFTOPT_ALGORITHM_ADAMW)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_AMSGRAD, 1));
        if (algo == SWIFTOPT_ALGORITHM_ADAGRAD)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE, 0.25));
        double p[4] = {1, 2, 3, 4};
        float q[3] = {1, 2, 3};
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 4, NULL));
        if (algo == SWIFTOPT_ALGORITHM_ADAGRAD) /* affects parameters registered later */
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE, 0.5));
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, F32, q, 3, NULL));
        int32_t kinds[MAX_KINDS];
        int64_t n = state_kinds(o, 0, kinds);
        CHECK(n >= 1);
        for (int64_t k = 0; k < n; k++) {
            double s64[4] = {-1, -1, -1, -1};
            float s32[3] = {-1, -1, -1};
            CHECK_OK(swiftopt_optimizer_get_state(o, 0, kinds[k], s64, 4));
            CHECK_OK(swiftopt_optimizer_get_state(o, 1, kinds[k], s32, 3));
            double want64 = kinds[k] == SWIFTOPT_STATE_SUM ? 0.25 : 0;
            float want32 = kinds[k] == SWIFTOPT_STATE_SUM ? 0.5f : 0;
            CHECKF(s64[0] == want64 && s64[3] == want64 && s32[0] == want32 && s32[2] == want32,
                   "%s %s starts at %g/%g", swiftopt_algorithm_name(algo),
                   swiftopt_state_name(kinds[k]), s64[0], (double)s32[0]);
        }
        CHECK_OK(swiftopt_optimizer_free(o));
    }
}

/* ---- library-owned vs caller-owned: bit-identical ------------------------------ */

typedef struct {
    int32_t hp;
    double value;
} setting;

typedef struct {
    int32_t algo;
    const char *label;
    int n;
    setting s[6];
} combo;

static const combo combos[] = {
    {SWIFTOPT_ALGORITHM_SGD, "plain", 0, {{0, 0}}},
    {SWIFTOPT_ALGORITHM_SGD, "momentum", 1, {{SWIFTOPT_HP_MOMENTUM, 0.9}}},
    {SWIFTOPT_ALGORITHM_SGD, "nesterov+wd", 3,
     {{SWIFTOPT_HP_MOMENTUM, 0.9}, {SWIFTOPT_HP_NESTEROV, 1}, {SWIFTOPT_HP_WEIGHT_DECAY, 0.01}}},
    {SWIFTOPT_ALGORITHM_SGD, "dampening+maximize", 3,
     {{SWIFTOPT_HP_MOMENTUM, 0.8}, {SWIFTOPT_HP_DAMPENING, 0.3}, {SWIFTOPT_HP_MAXIMIZE, 1}}},
    {SWIFTOPT_ALGORITHM_ADAGRAD, "defaults", 0, {{0, 0}}},
    {SWIFTOPT_ALGORITHM_ADAGRAD, "lr_decay+wd+iav", 3,
     {{SWIFTOPT_HP_LR_DECAY, 0.1}, {SWIFTOPT_HP_WEIGHT_DECAY, 0.01},
      {SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE, 0.1}}},
    {SWIFTOPT_ALGORITHM_ADAGRAD, "maximize", 1, {{SWIFTOPT_HP_MAXIMIZE, 1}}},
    {SWIFTOPT_ALGORITHM_RMSPROP, "defaults", 0, {{0, 0}}},
    {SWIFTOPT_ALGORITHM_RMSPROP, "momentum", 1, {{SWIFTOPT_HP_MOMENTUM, 0.9}}},
    {SWIFTOPT_ALGORITHM_RMSPROP, "centered", 1, {{SWIFTOPT_HP_CENTERED, 1}}},
    {SWIFTOPT_ALGORITHM_RMSPROP, "momentum+centered+wd+maximize", 5,
     {{SWIFTOPT_HP_MOMENTUM, 0.5}, {SWIFTOPT_HP_CENTERED, 1}, {SWIFTOPT_HP_WEIGHT_DECAY, 0.01},
      {SWIFTOPT_HP_MAXIMIZE, 1}, {SWIFTOPT_HP_ALPHA, 0.9}}},
    {SWIFTOPT_ALGORITHM_ADAM, "defaults", 0, {{0, 0}}},
    {SWIFTOPT_ALGORITHM_ADAM, "amsgrad", 1, {{SWIFTOPT_HP_AMSGRAD, 1}}},
    {SWIFTOPT_ALGORITHM_ADAM, "wd+maximize+betas", 4,
     {{SWIFTOPT_HP_WEIGHT_DECAY, 0.01}, {SWIFTOPT_HP_MAXIMIZE, 1}, {SWIFTOPT_HP_BETA1, 0.5},
      {SWIFTOPT_HP_BETA2, 0.9}}},
    {SWIFTOPT_ALGORITHM_ADAMW, "defaults", 0, {{0, 0}}},
    {SWIFTOPT_ALGORITHM_ADAMW, "amsgrad+wd", 2, {{SWIFTOPT_HP_AMSGRAD, 1}, {SWIFTOPT_HP_WEIGHT_DECAY, 0.1}}},
};

enum { PARITY_TENSORS = 3 };
static const int64_t parity_counts[PARITY_TENSORS] = {1, 7, 37};

static void test_parity(const combo *c, int32_t dtype, int steps) {
    char label[128];
    snprintf(label, sizeof label, "%s/%s/%s", swiftopt_algorithm_name(c->algo), c->label,
             dtype == F32 ? "fp32" : "fp64");
    swiftopt_optimizer *o = NULL;
    if (!CHECK_OK(swiftopt_optimizer_create(c->algo, &o))) return;
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.03));
    for (int k = 0; k < c->n; k++)
        CHECKF(swiftopt_optimizer_set_hyperparameter(o, 0, c->s[k].hp, c->s[k].value) == SWIFTOPT_OK,
               "%s: set %s", label, swiftopt_hyperparameter_name(c->s[k].hp));
    int32_t kinds[MAX_KINDS];
    int64_t spt = state_kinds(o, 0, kinds);
    size_t es = elem_size(dtype);
    void *lib[PARITY_TENSORS], *mine[PARITY_TENSORS], *grad[PARITY_TENSORS], *init[PARITY_TENSORS];
    void *states[PARITY_TENSORS * MAX_KINDS];
    int64_t counts[PARITY_TENSORS], my_steps[PARITY_TENSORS];
    double iav = c->algo == SWIFTOPT_ALGORITHM_ADAGRAD
                     ? get_hp(o, 0, SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE) : 0;
    for (int i = 0; i < PARITY_TENSORS; i++) {
        counts[i] = parity_counts[i];
        my_steps[i] = 0;
        size_t bytes = (size_t)counts[i] * es;
        lib[i] = malloc(bytes);
        mine[i] = malloc(bytes);
        grad[i] = malloc(bytes);
        init[i] = malloc(bytes);
        fill(lib[i], dtype, counts[i], 1000u + (uint64_t)i);
        memcpy(mine[i], lib[i], bytes);
        memcpy(init[i], lib[i], bytes);
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, dtype, lib[i], counts[i], NULL));
        for (int64_t k = 0; k < spt; k++) {
            void *s = malloc(bytes);
            double init = kinds[k] == SWIFTOPT_STATE_SUM ? iav : 0;
            for (int64_t e = 0; e < counts[i]; e++) {
                if (dtype == F32) ((float *)s)[e] = (float)init;
                else ((double *)s)[e] = init;
            }
            states[i * spt + k] = s;
        }
    }
    uint64_t seed = 77;
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < PARITY_TENSORS; i++) fill(grad[i], dtype, counts[i], seed++);
        if (t == steps / 2) /* a schedule: both paths see the new lr */
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.011));
        CHECK_OK(swiftopt_optimizer_step(o, (const void *const *)grad, PARITY_TENSORS));
        CHECK_OK(swiftopt_optimizer_step_tensors(o, 0, dtype, PARITY_TENSORS, mine,
                                                 (const void *const *)grad, counts,
                                                 spt ? states : NULL, spt, my_steps));
    }
    for (int i = 0; i < PARITY_TENSORS; i++) {
        size_t bytes = (size_t)counts[i] * es;
        CHECKF(memcmp(lib[i], mine[i], bytes) == 0, "%s: parameter %d differs", label, i);
        int64_t step = -1;
        CHECK_OK(swiftopt_optimizer_get_step(o, i, &step));
        CHECK(step == steps && my_steps[i] == steps);
        void *s = malloc(bytes);
        for (int64_t k = 0; k < spt; k++) {
            CHECK_OK(swiftopt_optimizer_get_state(o, i, kinds[k], s, counts[i]));
            CHECKF(memcmp(s, states[i * spt + k], bytes) == 0, "%s: %s of tensor %d differs",
                   label, swiftopt_state_name(kinds[k]), i);
            free(states[i * spt + k]);
        }
        free(s);
        /* and something moved */
        CHECKF(memcmp(lib[i], init[i], bytes) != 0, "%s: parameter %d did not move", label, i);
        free(init[i]);
        free(lib[i]);
        free(mine[i]);
        free(grad[i]);
    }
    CHECK_OK(swiftopt_optimizer_free(o));
}

/* ---- one step by hand, from the header's formulas ------------------------------ */

static int close_to(double got, double want, double tol) {
    return fabs(got - want) <= tol * (1 + fabs(want));
}

static void test_sgd_by_hand(void) {
    swiftopt_optimizer *o = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &o));
    double p[3] = {1, -2, 0.5}, q[3] = {1, -2, 0.5};
    float r[3] = {1, -2, 0.5f};
    const double g[3] = {0.5, 0.25, -1};
    const float gf[3] = {0.5f, 0.25f, -1};
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 3, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F32, r, 3, NULL));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.1));
    const void *grads[2] = {g, gf};
    CHECK_OK(swiftopt_optimizer_step(o, grads, 2));
    for (int i = 0; i < 3; i++) {
        CHECK(close_to(p[i], q[i] - 0.1 * g[i], 1e-15));
        CHECK(close_to(r[i], q[i] - 0.1 * g[i], 1e-7));
    }
    /* weight decay and maximize: theta <- theta + lr * (g - wd*theta) */
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_WEIGHT_DECAY, 0.5));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MAXIMIZE, 1));
    double before[3];
    memcpy(before, p, sizeof p);
    CHECK_OK(swiftopt_optimizer_step(o, grads, 2));
    for (int i = 0; i < 3; i++) CHECK(close_to(p[i], before[i] - 0.1 * (-g[i] + 0.5 * before[i]), 1e-15));
    CHECK_OK(swiftopt_optimizer_free(o));

    /* momentum 0.9, dampening 0.5: b1 = g1; b2 = 0.9 b1 + 0.5 g2 */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &o));
    memcpy(p, q, sizeof p);
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 3, NULL));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.1));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MOMENTUM, 0.9));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_DAMPENING, 0.5));
    const double g2[3] = {-0.5, 2, 0.125};
    const void *first[1] = {g}, *second[1] = {g2};
    CHECK_OK(swiftopt_optimizer_step(o, first, 1));
    double buf[3];
    CHECK_OK(swiftopt_optimizer_get_state(o, 0, SWIFTOPT_STATE_MOMENTUM_BUFFER, buf, 3));
    for (int i = 0; i < 3; i++) {
        CHECK(buf[i] == g[i]); /* torch: the first buffer is the gradient itself */
        CHECK(close_to(p[i], q[i] - 0.1 * g[i], 1e-15));
    }
    CHECK_OK(swiftopt_optimizer_step(o, second, 1));
    CHECK_OK(swiftopt_optimizer_get_state(o, 0, SWIFTOPT_STATE_MOMENTUM_BUFFER, buf, 3));
    for (int i = 0; i < 3; i++) {
        double b2 = 0.9 * g[i] + 0.5 * g2[i];
        CHECK(close_to(buf[i], b2, 1e-15));
        CHECK(close_to(p[i], q[i] - 0.1 * g[i] - 0.1 * b2, 1e-15));
    }
    CHECK_OK(swiftopt_optimizer_free(o));

    /* nesterov: theta <- theta - lr (g + mu b) */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &o));
    memcpy(p, q, sizeof p);
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 3, NULL));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.1));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MOMENTUM, 0.9));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_NESTEROV, 1));
    CHECK_OK(swiftopt_optimizer_step(o, first, 1));
    for (int i = 0; i < 3; i++) CHECK(close_to(p[i], q[i] - 0.1 * (g[i] + 0.9 * g[i]), 1e-15));
    CHECK_OK(swiftopt_optimizer_free(o));
}

static void test_adam_by_hand(int32_t algo, int32_t dtype) {
    const double lr = 1e-3, wd = algo == SWIFTOPT_ALGORITHM_ADAMW ? 0.1 : 0;
    const double tol = dtype == F32 ? 3e-7 : 1e-14;
    swiftopt_optimizer *o = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(algo, &o));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_WEIGHT_DECAY, wd));
    enum { N = 8 };
    double p0[N], g1[N], g2[N];
    uint64_t seed = 5;
    for (int i = 0; i < N; i++) {
        p0[i] = 2 * test_rand(&seed);
        g1[i] = test_rand(&seed);
        g2[i] = test_rand(&seed);
        if (fabs(g1[i]) < 0.05) g1[i] = 0.3; /* keep eps negligible */
    }
    double p64[N], m[N];
    float p32[N], gf1[N], gf2[N], mf[N];
    for (int i = 0; i < N; i++) {
        if (dtype == F32) { /* the exact fp32 inputs */
            p0[i] = (float)p0[i];
            g1[i] = (float)g1[i];
            g2[i] = (float)g2[i];
        }
        p64[i] = p0[i];
        p32[i] = (float)p0[i];
        gf1[i] = (float)g1[i];
        gf2[i] = (float)g2[i];
    }
    void *p = dtype == F32 ? (void *)p32 : (void *)p64;
    const void *s1[1] = {dtype == F32 ? (const void *)gf1 : (const void *)g1};
    const void *s2[1] = {dtype == F32 ? (const void *)gf2 : (const void *)g2};
#define P(i) (dtype == F32 ? (double)p32[i] : p64[i])
#define M(i) (dtype == F32 ? (double)mf[i] : m[i])
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, dtype, p, N, NULL));
    CHECK_OK(swiftopt_optimizer_step(o, s1, 1));
    /* step 1: m = 0.1 g, v = 0.001 g^2, theta <- theta(1 - lr wd) - lr g / (|g| + eps) */
    double p1[N], v1[N];
    for (int i = 0; i < N; i++) {
        double shrunk = p0[i] * (1 - lr * wd);
        p1[i] = shrunk - lr * g1[i] / (fabs(g1[i]) + 1e-8);
        v1[i] = 0.001 * g1[i] * g1[i];
        CHECKF(close_to(P(i), p1[i], tol), "step 1: %.17g vs %.17g", P(i), p1[i]);
        /* the first step moves each weight by about lr * sign(g) */
        double moved = shrunk - P(i);
        CHECKF(fabs(moved - lr * (g1[i] > 0 ? 1 : -1)) <= lr * (dtype == F32 ? 1e-3 : 1e-6),
               "moved %.10g", moved);
    }
    if (dtype == F32) CHECK_OK(swiftopt_optimizer_get_state(o, 0, SWIFTOPT_STATE_EXP_AVG, mf, N));
    else CHECK_OK(swiftopt_optimizer_get_state(o, 0, SWIFTOPT_STATE_EXP_AVG, m, N));
    for (int i = 0; i < N; i++) CHECK(close_to(M(i), 0.1 * g1[i], tol));
    if (dtype == F32) CHECK_OK(swiftopt_optimizer_get_state(o, 0, SWIFTOPT_STATE_EXP_AVG_SQ, mf, N));
    else CHECK_OK(swiftopt_optimizer_get_state(o, 0, SWIFTOPT_STATE_EXP_AVG_SQ, m, N));
    for (int i = 0; i < N; i++) CHECK(close_to(M(i), v1[i], tol));
    /* step 2 from the header's formula, with bias corrections 1 - beta^2 */
    CHECK_OK(swiftopt_optimizer_step(o, s2, 1));
    for (int i = 0; i < N; i++) {
        double mm = 0.9 * 0.1 * g1[i] + 0.1 * g2[i];
        double vv = 0.999 * v1[i] + 0.001 * g2[i] * g2[i];
        double want = p1[i] * (1 - lr * wd) -
                      lr / (1 - 0.81) * mm / (sqrt(vv) / sqrt(1 - 0.999 * 0.999) + 1e-8);
        CHECKF(close_to(P(i), want, dtype == F32 ? 1e-6 : 1e-13), "step 2: %.17g vs %.17g", P(i), want);
    }
    int64_t step = 0;
    CHECK_OK(swiftopt_optimizer_get_step(o, 0, &step));
    CHECK(step == 2);
#undef P
#undef M
    CHECK_OK(swiftopt_optimizer_free(o));
}

static void test_adagrad_rmsprop_by_hand(void) {
    const double p0[3] = {1, -2, 0.5}, g[3] = {0.5, 0.25, -1};
    const void *grads[1] = {g};
    double p[3];
    swiftopt_optimizer *o = NULL;
    /* Adagrad: s = iav + g^2; theta -= lr g / (sqrt(s) + eps) */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAGRAD, &o));
    memcpy(p, p0, sizeof p);
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE, 0.5));
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 3, NULL));
    CHECK_OK(swiftopt_optimizer_step(o, grads, 1));
    for (int i = 0; i < 3; i++)
        CHECK(close_to(p[i], p0[i] - 0.01 * g[i] / (sqrt(0.5 + g[i] * g[i]) + 1e-10), 1e-15));
    CHECK_OK(swiftopt_optimizer_free(o));
    /* RMSprop: v = (1 - alpha) g^2; theta -= lr g / (sqrt(v) + eps) */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_RMSPROP, &o));
    memcpy(p, p0, sizeof p);
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 3, NULL));
    CHECK_OK(swiftopt_optimizer_step(o, grads, 1));
    for (int i = 0; i < 3; i++)
        CHECK(close_to(p[i], p0[i] - 0.01 * g[i] / (sqrt(0.01 * g[i] * g[i]) + 1e-8), 1e-14));
    CHECK_OK(swiftopt_optimizer_free(o));
}

/* ---- NULL gradients, schedules, checkpoints -------------------------------------- */

static void test_null_grad_skips(void) {
    for (int a = 0; a < N_ALGORITHMS; a++) {
        swiftopt_optimizer *o = NULL;
        if (!CHECK_OK(swiftopt_optimizer_create(all_algorithms[a], &o))) continue;
        if (all_algorithms[a] == SWIFTOPT_ALGORITHM_SGD)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MOMENTUM, 0.9));
        double p0[4] = {1, 2, 3, 4}, p1[4] = {5, 6, 7, 8}, g[4] = {0.5, -0.5, 0.25, 1};
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p0, 4, NULL));
        CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p1, 4, NULL));
        const void *both[2] = {g, g};
        CHECK_OK(swiftopt_optimizer_step(o, both, 2));
        int32_t kinds[MAX_KINDS];
        int64_t n = state_kinds(o, 0, kinds);
        double saved_p1[4], saved_state[MAX_KINDS][4], saved_p0[4];
        memcpy(saved_p1, p1, sizeof p1);
        memcpy(saved_p0, p0, sizeof p0);
        for (int64_t k = 0; k < n; k++) CHECK_OK(swiftopt_optimizer_get_state(o, 1, kinds[k], saved_state[k], 4));
        const void *skip1[2] = {g, NULL};
        CHECK_OK(swiftopt_optimizer_step(o, skip1, 2));
        CHECK(memcmp(p1, saved_p1, sizeof p1) == 0);
        CHECK(memcmp(p0, saved_p0, sizeof p0) != 0);
        for (int64_t k = 0; k < n; k++) {
            double now[4];
            CHECK_OK(swiftopt_optimizer_get_state(o, 1, kinds[k], now, 4));
            CHECK(memcmp(now, saved_state[k], sizeof now) == 0);
        }
        int64_t s0 = 0, s1 = 0;
        CHECK_OK(swiftopt_optimizer_get_step(o, 0, &s0));
        CHECK_OK(swiftopt_optimizer_get_step(o, 1, &s1));
        CHECK(s0 == 2 && s1 == 1);
        /* all NULL: a valid step that changes nothing */
        const void *none[2] = {NULL, NULL};
        memcpy(saved_p0, p0, sizeof p0);
        CHECK_OK(swiftopt_optimizer_step(o, none, 2));
        CHECK(memcmp(p0, saved_p0, sizeof p0) == 0 && memcmp(p1, saved_p1, sizeof p1) == 0);
        CHECK_OK(swiftopt_optimizer_get_step(o, 0, &s0));
        CHECK(s0 == 2);
        CHECK_OK(swiftopt_optimizer_free(o));
    }
}

static void test_lr_schedule(void) {
    swiftopt_optimizer *o = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &o));
    double p[2] = {1, 1}, g[2] = {1, 2};
    const void *grads[1] = {g};
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 2, NULL));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.5));
    CHECK_OK(swiftopt_optimizer_step(o, grads, 1));
    CHECK(p[0] == 0.5 && p[1] == 0);
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.25));
    CHECK(get_hp(o, 0, SWIFTOPT_HP_LR) == 0.25);
    CHECK(p[0] == 0.5 && p[1] == 0); /* nothing happens until the next step */
    CHECK_OK(swiftopt_optimizer_step(o, grads, 1));
    CHECK(p[0] == 0.25 && p[1] == -0.5);
    CHECK_OK(swiftopt_optimizer_free(o));

    /* Adam with lr 0: the weights stay, the moments and the step count move */
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &o));
    p[0] = p[1] = 1;
    CHECK_OK(swiftopt_optimizer_add_param(o, 0, F64, p, 2, NULL));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0));
    CHECK_OK(swiftopt_optimizer_step(o, grads, 1));
    CHECK(p[0] == 1 && p[1] == 1);
    double m[2];
    CHECK_OK(swiftopt_optimizer_get_state(o, 0, SWIFTOPT_STATE_EXP_AVG, m, 2));
    CHECK(close_to(m[0], 0.1, 1e-15) && close_to(m[1], 0.2, 1e-15));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.01));
    CHECK_OK(swiftopt_optimizer_step(o, grads, 1));
    CHECK(p[0] < 1 && p[1] < 1);
    CHECK_OK(swiftopt_optimizer_free(o));
}

/* Train, save (params, state, steps), continue; restore the save into a new
 * optimizer with set_state/set_step and continue the same way: identical. */
static void test_checkpoint_restore(int32_t algo) {
    enum { N = 6, WARM = 4, MORE = 3 };
    swiftopt_optimizer *a = NULL, *b = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(algo, &a));
    REQUIRE_OK(swiftopt_optimizer_create(algo, &b));
    swiftopt_optimizer *both[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        swiftopt_optimizer *o = both[k];
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_LR, 0.02));
        if (algo == SWIFTOPT_ALGORITHM_SGD || algo == SWIFTOPT_ALGORITHM_RMSPROP)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_MOMENTUM, 0.9));
        if (algo == SWIFTOPT_ALGORITHM_RMSPROP)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_CENTERED, 1));
        if (algo >= SWIFTOPT_ALGORITHM_ADAM)
            CHECK_OK(swiftopt_optimizer_set_hyperparameter(o, 0, SWIFTOPT_HP_AMSGRAD, 1));
    }
    float pa[N], pb[N], g[N];
    fill(pa, F32, N, 9);
    CHECK_OK(swiftopt_optimizer_add_param(a, 0, F32, pa, N, NULL));
    const void *grads[1] = {g};
    uint64_t seed = 31;
    for (int t = 0; t < WARM; t++) {
        fill(g, F32, N, seed++);
        CHECK_OK(swiftopt_optimizer_step(a, grads, 1));
    }
    /* restore into b */
    memcpy(pb, pa, sizeof pa);
    CHECK_OK(swiftopt_optimizer_add_param(b, 0, F32, pb, N, NULL));
    int32_t kinds[MAX_KINDS];
    int64_t n = state_kinds(a, 0, kinds);
    for (int64_t k = 0; k < n; k++) {
        float s[N];
        CHECK_OK(swiftopt_optimizer_get_state(a, 0, kinds[k], s, N));
        CHECK_OK(swiftopt_optimizer_set_state(b, 0, kinds[k], s, N));
        float back[N];
        CHECK_OK(swiftopt_optimizer_get_state(b, 0, kinds[k], back, N));
        CHECK(memcmp(back, s, sizeof s) == 0);
    }
    int64_t step = 0;
    CHECK_OK(swiftopt_optimizer_get_step(a, 0, &step));
    CHECK(step == WARM);
    CHECK_OK(swiftopt_optimizer_set_step(b, 0, step));
    for (int t = 0; t < MORE; t++) {
        fill(g, F32, N, seed++);
        CHECK_OK(swiftopt_optimizer_step(a, grads, 1));
        CHECK_OK(swiftopt_optimizer_step(b, grads, 1));
    }
    CHECKF(memcmp(pa, pb, sizeof pa) == 0, "%s: restored run differs", swiftopt_algorithm_name(algo));
    CHECK_OK(swiftopt_optimizer_free(a));
    CHECK_OK(swiftopt_optimizer_free(b));
}

int main(void) {
    int steps = test_quick() ? 4 : 25;
    test_versions();
    test_status_names();
    test_names_round_trip();
    test_hyperparameter_tables();
    test_optimizer_basics();
    test_state_kinds();
    test_initial_state();
    for (size_t c = 0; c < sizeof combos / sizeof *combos; c++) {
        test_parity(&combos[c], F32, steps);
        test_parity(&combos[c], F64, steps);
    }
    test_sgd_by_hand();
    test_adam_by_hand(SWIFTOPT_ALGORITHM_ADAM, F64);
    test_adam_by_hand(SWIFTOPT_ALGORITHM_ADAM, F32);
    test_adam_by_hand(SWIFTOPT_ALGORITHM_ADAMW, F64);
    test_adam_by_hand(SWIFTOPT_ALGORITHM_ADAMW, F32);
    test_adagrad_rmsprop_by_hand();
    test_null_grad_skips();
    test_lr_schedule();
    for (int a = 0; a < N_ALGORITHMS; a++) test_checkpoint_restore(all_algorithms[a]);
    return check_report("test_api");
}
