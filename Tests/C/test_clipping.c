/*
 * test_clipping.c — the gradient-clipping entry points: swiftopt_clip_grad_norm,
 * swiftopt_clip_grad_value and swiftopt_optimizer_grad_norm, and skip_nonfinite
 * (swiftopt_optimizer_skipped_steps, swiftopt_optimizer_last_step_skipped). Values against
 * torch's formulas computed here by hand; every error path returns its status
 * and a message and writes nothing. Part of `make test-c`.
 */
#include "check.h"

#include <math.h>
#include <string.h>

/* The message left by the last failure, for checking it is non-empty. */
static int has_message(void) {
    char buffer[256];
    return swiftopt_last_error_message(buffer, sizeof buffer) > 0 && buffer[0] != '\0';
}

static void test_clip_grad_norm_values(void) {
    /* Two tensors, [3, -4] and [12]: L2 = 13, L1 = 19, Linf = 12. */
    const double norms[3] = {13.0, 19.0, 12.0};
    const double types[3] = {2.0, 1.0, INFINITY};
    for (int k = 0; k < 3; k++) {
        double a[2] = {3, -4}, b[1] = {12};
        void *grads[2] = {a, b};
        int64_t counts[2] = {2, 1};
        double total = -1;
        CHECK_OK(swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, grads, counts, 1.0, types[k], &total));
        CHECKF(total == norms[k], "norm_type %g: total %.17g, expected %g", types[k], total, norms[k]);
        double scale = 1.0 / (norms[k] + 1e-6); /* torch: max_norm / (total + 1e-6), at most 1 */
        CHECK(a[0] == 3 * scale && a[1] == -4 * scale && b[0] == 12 * scale);
    }
    /* Below the limit: the coefficient is clamped to 1 and nothing changes. */
    float f[3] = {0.5f, -0.25f, 1.0f};
    void *fg[1] = {f};
    int64_t fc[1] = {3};
    double total = 0;
    CHECK_OK(swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT32, 1, fg, fc, 10.0, 2.0, &total));
    CHECK(fabs(total - sqrt(0.25 + 0.0625 + 1.0)) < 1e-12);
    CHECK(f[0] == 0.5f && f[1] == -0.25f && f[2] == 1.0f);
    /* out_total_norm may be NULL. */
    CHECK_OK(swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT32, 1, fg, fc, 10.0, 2.0, NULL));
}

static void test_clip_grad_value_values(void) {
    float a[4] = {-3.0f, 0.5f, 2.0f, -1.0f};
    double b[2] = {0.25, -7.0};
    void *ga[1] = {a}, *gb[1] = {b};
    int64_t ca[1] = {4}, cb[1] = {2};
    CHECK_OK(swiftopt_clip_grad_value(SWIFTOPT_DTYPE_FLOAT32, 1, ga, ca, 1.0));
    CHECK(a[0] == -1.0f && a[1] == 0.5f && a[2] == 1.0f && a[3] == -1.0f);
    CHECK_OK(swiftopt_clip_grad_value(SWIFTOPT_DTYPE_FLOAT64, 1, gb, cb, 0.5));
    CHECK(b[0] == 0.25 && b[1] == -0.5);
}

/* Each call fails with `want`, leaves a message, and leaves the buffers alone. */
#define EXPECT_UNCHANGED_ERROR(want, expr)                                    \
    do {                                                                      \
        double a_[2] = {3, -4}, b_[1] = {12};                                 \
        void *grads[2] = {a_, b_};                                            \
        (void)grads;                                                          \
        CHECK_STATUS((want), (expr));                                         \
        CHECK(has_message());                                                 \
        CHECK(a_[0] == 3 && a_[1] == -4 && b_[0] == 12);                      \
    } while (0)

static void test_clipping_errors(void) {
    int64_t counts[2] = {2, 1}, bad_counts[2] = {2, 0}, negative[2] = {-1, 1};
    double total = -5;
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_NULL_POINTER,
                           swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, NULL, counts, 1, 2, &total));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_NULL_POINTER,
                           swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, grads, NULL, 1, 2, &total));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT,
                           swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 0, grads, counts, 1, 2, &total));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT,
                           swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, -3, grads, counts, 1, 2, &total));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT,
                           swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, grads, bad_counts, 1, 2, &total));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT,
                           swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, grads, negative, 1, 2, &total));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_DTYPE_MISMATCH,
                           swiftopt_clip_grad_norm(7, 2, grads, counts, 1, 2, &total));
    const double bad_max[] = {-1.0, NAN, INFINITY};
    for (int i = 0; i < 3; i++)
        EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_OUT_OF_BOUNDS,
                               swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, grads, counts, bad_max[i], 2, &total));
    const double bad_types[] = {0.5, 0.0, -2.0, NAN, -INFINITY};
    for (int i = 0; i < 5; i++)
        EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_OUT_OF_BOUNDS,
                               swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, grads, counts, 1, bad_types[i], &total));
    CHECK(total == -5);
    {   /* a NULL entry */
        double a_[2] = {3, -4};
        void *with_null[2] = {a_, NULL};
        CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER,
                     swiftopt_clip_grad_norm(SWIFTOPT_DTYPE_FLOAT64, 2, with_null, counts, 1, 2, &total));
        CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER,
                     swiftopt_clip_grad_value(SWIFTOPT_DTYPE_FLOAT64, 2, with_null, counts, 1));
        CHECK(a_[0] == 3 && a_[1] == -4);
    }
    {   /* a misaligned buffer */
        double storage[3] = {0};
        void *misaligned[1] = {(char *)storage + 1};
        int64_t one[1] = {1};
        CHECK_STATUS(SWIFTOPT_ERROR_INVALID_ARGUMENT,
                     swiftopt_clip_grad_value(SWIFTOPT_DTYPE_FLOAT64, 1, misaligned, one, 1));
    }
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_NULL_POINTER,
                           swiftopt_clip_grad_value(SWIFTOPT_DTYPE_FLOAT64, 2, NULL, counts, 1));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT,
                           swiftopt_clip_grad_value(SWIFTOPT_DTYPE_FLOAT64, 0, grads, counts, 1));
    EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_DTYPE_MISMATCH,
                           swiftopt_clip_grad_value(0, 2, grads, counts, 1));
    const double bad_values[] = {-0.5, NAN, INFINITY};
    for (int i = 0; i < 3; i++)
        EXPECT_UNCHANGED_ERROR(SWIFTOPT_ERROR_OUT_OF_BOUNDS,
                               swiftopt_clip_grad_value(SWIFTOPT_DTYPE_FLOAT64, 2, grads, counts, bad_values[i]));
}

static void test_optimizer_grad_norm(void) {
    swiftopt_optimizer *opt = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &opt));
    double w[2] = {0, 0}, v[1] = {0};
    CHECK_OK(swiftopt_optimizer_add_param(opt, 0, SWIFTOPT_DTYPE_FLOAT64, w, 2, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(opt, 0, SWIFTOPT_DTYPE_FLOAT64, v, 1, NULL));
    double norm = 0;
    CHECK_OK(swiftopt_optimizer_grad_norm(opt, 0, &norm));
    CHECK(isnan(norm)); /* before any clipping step */
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_LR, 1.0));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_MAX_GRAD_NORM, 1.0));
    double ga[2] = {3, -4}, gb[1] = {12};
    const void *grads[2] = {ga, gb};
    CHECK_OK(swiftopt_optimizer_step(opt, grads, 2));
    CHECK_OK(swiftopt_optimizer_grad_norm(opt, 0, &norm));
    CHECK(norm == 13.0);
    double scale = 1.0 / (13.0 + 1e-6);
    CHECK(w[0] == -3 * scale && w[1] == 4 * scale && v[0] == -12 * scale);
    CHECK(ga[0] == 3 && ga[1] == -4 && gb[0] == 12); /* gradient buffers untouched */
    /* errors */
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_grad_norm(opt, 0, NULL));
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_grad_norm(NULL, 0, &norm));
    CHECK_STATUS(SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, swiftopt_optimizer_grad_norm(opt, 1, &norm));
    CHECK_STATUS(SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, swiftopt_optimizer_grad_norm(opt, -1, &norm));
    CHECK(norm == 13.0);
    CHECK(has_message());
    CHECK_OK(swiftopt_optimizer_free(opt));
    CHECK_STATUS(SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_grad_norm(opt, 0, &norm));
}

/* skip_nonfinite: a NaN or inf gradient skips the group's step (library-owned
 * and caller-owned), counted per group; the call still returns OK. */
static void test_optimizer_skip_nonfinite(void) {
    swiftopt_optimizer *opt = NULL;
    REQUIRE_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &opt));
    int64_t g1 = -1;
    CHECK_OK(swiftopt_optimizer_add_group(opt, &g1));
    CHECK(g1 == 1);
    float w[3] = {1, 2, 3}, v[2] = {-1, -2};
    CHECK_OK(swiftopt_optimizer_add_param(opt, 0, SWIFTOPT_DTYPE_FLOAT32, w, 3, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(opt, 1, SWIFTOPT_DTYPE_FLOAT32, v, 2, NULL));
    double on = -1;
    CHECK_OK(swiftopt_optimizer_get_hyperparameter(opt, 0, SWIFTOPT_HP_SKIP_NONFINITE, &on));
    CHECK(on == 0);
    CHECK_STATUS(SWIFTOPT_ERROR_OUT_OF_BOUNDS,
                 swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_SKIP_NONFINITE, 0.5));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_SKIP_NONFINITE, 1));
    CHECK_OK(swiftopt_optimizer_set_hyperparameter(opt, 1, SWIFTOPT_HP_SKIP_NONFINITE, 1));
    int64_t skipped = -1;
    int32_t last = -1;
    CHECK_OK(swiftopt_optimizer_skipped_steps(opt, 0, &skipped));
    CHECK_OK(swiftopt_optimizer_last_step_skipped(opt, 0, &last));
    CHECK(skipped == 0 && last == 0);

    float ga[3] = {0.1f, 0.2f, 0.3f}, gb[2] = {0.5f, -0.5f};
    const void *grads[2] = {ga, gb};
    ga[2] = NAN; /* group 0 skipped, group 1 stepped */
    CHECK_OK(swiftopt_optimizer_step(opt, grads, 2));
    CHECK(w[0] == 1 && w[1] == 2 && w[2] == 3);
    CHECK(v[0] != -1 && v[1] != -2);
    int64_t step = -1;
    CHECK_OK(swiftopt_optimizer_get_step(opt, 0, &step));
    CHECK(step == 0);
    CHECK_OK(swiftopt_optimizer_get_step(opt, 1, &step));
    CHECK(step == 1);
    float m[3] = {9, 9, 9};
    CHECK_OK(swiftopt_optimizer_get_state(opt, 0, SWIFTOPT_STATE_EXP_AVG, m, 3));
    CHECK(m[0] == 0 && m[1] == 0 && m[2] == 0);
    CHECK_OK(swiftopt_optimizer_skipped_steps(opt, 0, &skipped));
    CHECK_OK(swiftopt_optimizer_last_step_skipped(opt, 0, &last));
    CHECK(skipped == 1 && last == 1);
    CHECK_OK(swiftopt_optimizer_skipped_steps(opt, 1, &skipped));
    CHECK_OK(swiftopt_optimizer_last_step_skipped(opt, 1, &last));
    CHECK(skipped == 0 && last == 0);
    ga[2] = 0.3f; /* finite again: stepped */
    CHECK_OK(swiftopt_optimizer_step(opt, grads, 2));
    CHECK(w[0] != 1);
    CHECK_OK(swiftopt_optimizer_last_step_skipped(opt, 0, &last));
    CHECK(last == 0);

    /* caller-owned: the call is one unit; steps[] unchanged */
    double p[4] = {1, 2, 3, 4}, g[4] = {0.1, 0.2, -INFINITY, 0.4};
    double ea[4] = {0}, eas[4] = {0};
    void *params[1] = {p}, *states[2] = {ea, eas};
    const void *cg[1] = {g};
    int64_t counts[1] = {4}, steps[1] = {0};
    CHECK_OK(swiftopt_optimizer_step_tensors(opt, 1, SWIFTOPT_DTYPE_FLOAT64, 1, params, cg, counts, states, 2,
                                             steps));
    CHECK(steps[0] == 0 && p[0] == 1 && p[3] == 4 && ea[0] == 0 && eas[2] == 0);
    CHECK_OK(swiftopt_optimizer_skipped_steps(opt, 1, &skipped));
    CHECK_OK(swiftopt_optimizer_last_step_skipped(opt, 1, &last));
    CHECK(skipped == 1 && last == 1);
    CHECK_OK(swiftopt_optimizer_skipped_steps(opt, 0, &skipped));
    CHECK(skipped == 1);
    g[2] = 0.3;
    CHECK_OK(swiftopt_optimizer_step_tensors(opt, 1, SWIFTOPT_DTYPE_FLOAT64, 1, params, cg, counts, states, 2,
                                             steps));
    CHECK(steps[0] == 1 && p[0] != 1);
    CHECK_OK(swiftopt_optimizer_last_step_skipped(opt, 1, &last));
    CHECK(last == 0);

    /* errors: nothing written */
    skipped = -7;
    last = -7;
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_skipped_steps(opt, 0, NULL));
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_skipped_steps(NULL, 0, &skipped));
    CHECK_STATUS(SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, swiftopt_optimizer_skipped_steps(opt, 2, &skipped));
    CHECK_STATUS(SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, swiftopt_optimizer_skipped_steps(opt, -1, &skipped));
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_last_step_skipped(opt, 0, NULL));
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_last_step_skipped(NULL, 0, &last));
    CHECK_STATUS(SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, swiftopt_optimizer_last_step_skipped(opt, 2, &last));
    CHECK_STATUS(SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE,
                 swiftopt_optimizer_last_step_skipped(opt, INT64_MIN, &last));
    CHECK(skipped == -7 && last == -7);
    CHECK(has_message());
    CHECK_OK(swiftopt_optimizer_free(opt));
    CHECK_STATUS(SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_skipped_steps(opt, 0, &skipped));
    CHECK_STATUS(SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_last_step_skipped(opt, 0, &last));
}

int main(void) {
    test_clip_grad_norm_values();
    test_clip_grad_value_values();
    test_clipping_errors();
    test_optimizer_grad_norm();
    test_optimizer_skip_nonfinite();
    return check_report("test_clipping");
}
