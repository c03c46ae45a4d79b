/*
 * test_losses.c — C tests of the "Loss functions" section of swiftopt.h:
 * every loss and penalty entry point's error paths (status code, message,
 * nothing written) and a few values computed by hand.
 *
 * Part of `make test-c` (Tests/C/c-tests.mk). By hand, from the repository root:
 *
 *   swift build -c release --product swiftopt
 *   cc -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude Tests/C/test_losses.c \
 *      -o build/test_losses -L.build/release -lswiftopt \
 *      -Wl,-rpath,"$PWD/.build/release" -lm
 *   build/test_losses
 *
 * Prints one line per failure and ends with "N passed, M failed"; exits 1
 * when anything failed.
 */
#include <swiftopt.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int passed = 0, failed = 0;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (cond) {                                                         \
            passed++;                                                       \
        } else {                                                            \
            failed++;                                                       \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                   \
    } while (0)

#define SENTINEL (-12345.0)
#define N 4

/* Output buffers checked after every failing call. */
static double loss_buf[N], grad_buf[N];
static float loss_buf32[N], grad_buf32[N];

static void reset_outputs(void) {
    for (int i = 0; i < N; i++) {
        loss_buf[i] = SENTINEL;
        grad_buf[i] = SENTINEL;
        loss_buf32[i] = (float)SENTINEL;
        grad_buf32[i] = (float)SENTINEL;
    }
}

static int outputs_untouched(void) {
    for (int i = 0; i < N; i++) {
        if (loss_buf[i] != SENTINEL || grad_buf[i] != SENTINEL) return 0;
        if (loss_buf32[i] != (float)SENTINEL || grad_buf32[i] != (float)SENTINEL) return 0;
    }
    return 1;
}

/* Checks a failing call: its status, a message naming the function, and
 * that no output buffer was written. */
static void expect_error(int32_t status, int32_t expected, const char *function, int line) {
    char message[512];
    swiftopt_last_error_message(message, sizeof message);
    int ok = status == expected && strncmp(message, function, strlen(function)) == 0 && outputs_untouched();
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s:%d: %s returned %s, expected %s; message \"%s\"; outputs %s\n", __FILE__, line,
               function, swiftopt_status_name(status), swiftopt_status_name(expected), message,
               outputs_untouched() ? "untouched" : "WRITTEN");
    }
    reset_outputs();
}

#define EXPECT_ERROR(call, expected, function) expect_error((call), (expected), (function), __LINE__)

static const double x[N] = {0.5, -1.0, 2.0, 0.0};
static const double y[N] = {1.0, -1.0, 1.0, 1.0};
static const float x32[N] = {0.5f, -1.0f, 2.0f, 0.0f};
static const float y32[N] = {1.0f, -1.0f, 1.0f, 1.0f};

typedef int32_t (*elementwise_fn)(int32_t, int64_t, const void *, const void *, int32_t, void *, void *);

/* Errors shared by every element-wise loss (mse, l1, hinge; huber and
 * smooth_l1 through small adapters). */
static void elementwise_errors(elementwise_fn f, const char *name) {
    const int32_t F64 = SWIFTOPT_DTYPE_FLOAT64, MEAN = SWIFTOPT_REDUCTION_MEAN;
    EXPECT_ERROR(f(F64, N, NULL, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, name);
    EXPECT_ERROR(f(F64, N, x, NULL, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, name);
    EXPECT_ERROR(f(F64, N, x, y, MEAN, NULL, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, name);
    EXPECT_ERROR(f(0, N, x, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_DTYPE_MISMATCH, name);
    EXPECT_ERROR(f(3, N, x, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_DTYPE_MISMATCH, name);
    EXPECT_ERROR(f(F64, N, x, y, 0, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(f(F64, N, x, y, 4, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(f(F64, 0, x, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(f(F64, -1, x, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(f(F64, INT64_MAX, x, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(f(F64, INT64_MIN, x, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    /* Misaligned buffers: a double buffer offset by 4 bytes. */
    const char *xb = (const char *)x;
    char *gb = (char *)grad_buf;
    EXPECT_ERROR(f(F64, 2, xb + 4, y, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(f(F64, 2, x, (const char *)y + 4, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(f(F64, 1, x, y, MEAN, loss_buf, gb + 4), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    /* The failing call's outputs were checked; a float32 misaligned by 2. */
    EXPECT_ERROR(f(SWIFTOPT_DTYPE_FLOAT32, 1, (const char *)x32 + 2, y32, MEAN, loss_buf32, grad_buf32),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
}

static double huber_delta = 1.0, smooth_beta = 1.0;

static int32_t huber_adapter(int32_t d, int64_t n, const void *a, const void *b, int32_t r, void *l, void *g) {
    return swiftopt_huber_loss(d, n, a, b, huber_delta, r, l, g);
}

static int32_t smooth_adapter(int32_t d, int64_t n, const void *a, const void *b, int32_t r, void *l, void *g) {
    return swiftopt_smooth_l1_loss(d, n, a, b, smooth_beta, r, l, g);
}

static void test_elementwise(void) {
    elementwise_errors(swiftopt_mse_loss, "swiftopt_mse_loss");
    elementwise_errors(swiftopt_l1_loss, "swiftopt_l1_loss");
    elementwise_errors(swiftopt_hinge_loss, "swiftopt_hinge_loss");
    elementwise_errors(huber_adapter, "swiftopt_huber_loss");
    elementwise_errors(smooth_adapter, "swiftopt_smooth_l1_loss");

    const double bad_options[] = {0.0, -1.0, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        EXPECT_ERROR(swiftopt_huber_loss(SWIFTOPT_DTYPE_FLOAT64, N, x, y, bad_options[i], SWIFTOPT_REDUCTION_SUM,
                                         loss_buf, grad_buf),
                     SWIFTOPT_ERROR_OUT_OF_BOUNDS, "swiftopt_huber_loss");
        if (i > 0) { /* beta = 0 is valid (l1_loss) */
            EXPECT_ERROR(swiftopt_smooth_l1_loss(SWIFTOPT_DTYPE_FLOAT64, N, x, y, bad_options[i],
                                                 SWIFTOPT_REDUCTION_SUM, loss_buf, grad_buf),
                         SWIFTOPT_ERROR_OUT_OF_BOUNDS, "swiftopt_smooth_l1_loss");
        }
    }
    const double not_signs[N] = {1.0, -1.0, 0.0, 1.0};
    EXPECT_ERROR(swiftopt_hinge_loss(SWIFTOPT_DTYPE_FLOAT64, N, x, not_signs, SWIFTOPT_REDUCTION_NONE, loss_buf,
                                     grad_buf),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, "swiftopt_hinge_loss");

    /* Values: mse of x, y: d = (-0.5, 0, 1, -1); losses (0.25, 0, 1, 1). */
    CHECK(swiftopt_mse_loss(SWIFTOPT_DTYPE_FLOAT64, N, x, y, SWIFTOPT_REDUCTION_MEAN, loss_buf, grad_buf) == SWIFTOPT_OK);
    CHECK(loss_buf[0] == 0.5625 && loss_buf[1] == SENTINEL);
    CHECK(grad_buf[0] == -0.25 && grad_buf[1] == 0.0 && grad_buf[2] == 0.5 && grad_buf[3] == -0.5);
    reset_outputs();
    CHECK(swiftopt_mse_loss(SWIFTOPT_DTYPE_FLOAT32, N, x32, y32, SWIFTOPT_REDUCTION_NONE, loss_buf32, NULL) == SWIFTOPT_OK);
    CHECK(loss_buf32[0] == 0.25f && loss_buf32[1] == 0.0f && loss_buf32[2] == 1.0f && loss_buf32[3] == 1.0f);
    CHECK(grad_buf32[0] == (float)SENTINEL); /* NULL gradient: loss only */
    reset_outputs();
    /* hinge: margins 1 - y x = (0.5, 0, -1, 1): losses (0.5, 0, 0, 1). */
    CHECK(swiftopt_hinge_loss(SWIFTOPT_DTYPE_FLOAT64, N, x, y, SWIFTOPT_REDUCTION_SUM, loss_buf, grad_buf) == SWIFTOPT_OK);
    CHECK(loss_buf[0] == 1.5);
    CHECK(grad_buf[0] == -1.0 && grad_buf[1] == 0.0 && grad_buf[2] == 0.0 && grad_buf[3] == -1.0);
    reset_outputs();
    /* input and target may be the same buffer. */
    CHECK(swiftopt_l1_loss(SWIFTOPT_DTYPE_FLOAT64, N, x, x, SWIFTOPT_REDUCTION_SUM, loss_buf, NULL) == SWIFTOPT_OK);
    CHECK(loss_buf[0] == 0.0);
    reset_outputs();
}

static void test_bce(void) {
    const char *name = "swiftopt_binary_cross_entropy_with_logits";
    const int32_t F64 = SWIFTOPT_DTYPE_FLOAT64, MEAN = SWIFTOPT_REDUCTION_MEAN;
    const double t[N] = {0.0, 1.0, 0.5, 1.0}, w[N] = {1, 2, 3, 4}, pw[2] = {1, 2};
#define BCE swiftopt_binary_cross_entropy_with_logits
    EXPECT_ERROR(BCE(F64, 2, 2, NULL, t, w, pw, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, name);
    EXPECT_ERROR(BCE(F64, 2, 2, x, NULL, w, pw, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, name);
    EXPECT_ERROR(BCE(F64, 2, 2, x, t, w, pw, MEAN, NULL, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, name);
    EXPECT_ERROR(BCE(7, 2, 2, x, t, w, pw, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_DTYPE_MISMATCH, name);
    EXPECT_ERROR(BCE(F64, 2, 2, x, t, w, pw, -1, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(BCE(F64, 0, 2, x, t, w, pw, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(BCE(F64, 2, -2, x, t, w, pw, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(BCE(F64, INT64_C(1) << 32, INT64_C(1) << 32, x, t, w, pw, MEAN, loss_buf, grad_buf),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(BCE(F64, 1, 1, x, t, (const char *)w + 1, pw, MEAN, loss_buf, grad_buf),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    EXPECT_ERROR(BCE(F64, 1, 1, x, t, w, (const char *)pw + 1, MEAN, loss_buf, grad_buf),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, name);
    /* Logits of +-1e4 with targets 0 and 1: finite, exact. */
    const double big[N] = {1e4, -1e4, 1e4, -1e4}, labels[N] = {0, 1, 1, 0};
    CHECK(BCE(F64, N, 1, big, labels, NULL, NULL, SWIFTOPT_REDUCTION_NONE, loss_buf, grad_buf) == SWIFTOPT_OK);
    CHECK(loss_buf[0] == 1e4 && loss_buf[1] == 1e4 && loss_buf[2] == 0.0 && loss_buf[3] == 0.0);
    CHECK(grad_buf[0] == 1.0 && grad_buf[1] == -1.0 && grad_buf[2] == 0.0 && grad_buf[3] == 0.0);
    reset_outputs();
    /* x = 0: loss = w (pw y + (1 - y)) log 2. */
    const double zeros[N] = {0, 0, 0, 0};
    CHECK(BCE(F64, 2, 2, zeros, t, w, pw, SWIFTOPT_REDUCTION_SUM, loss_buf, NULL) == SWIFTOPT_OK);
    CHECK(fabs(loss_buf[0] - (1 * 1 + 2 * 2 + 3 * (0.5 + 0.5) + 4 * 2) * log(2.0)) < 1e-12);
    reset_outputs();
#undef BCE
}

static void test_class_losses(void) {
    const int32_t F64 = SWIFTOPT_DTYPE_FLOAT64, MEAN = SWIFTOPT_REDUCTION_MEAN;
    const int64_t targets[2] = {0, 1}, ignored[2] = {-100, -100};
    const double w[2] = {1.0, 2.0}, probs[N] = {1, 0, 0.5, 0.5};
    const char *ce = "swiftopt_cross_entropy", *nll = "swiftopt_nll_loss", *cep = "swiftopt_cross_entropy_probs";

    EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 2, NULL, targets, w, -100, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 2, x, NULL, w, -100, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 2, x, targets, w, -100, 0, MEAN, NULL, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(0, 2, 2, x, targets, w, -100, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_DTYPE_MISMATCH, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 2, x, targets, w, -100, 0, 9, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(F64, 0, 2, x, targets, w, -100, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 0, x, targets, w, -100, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(F64, INT64_MAX, 2, x, targets, w, -100, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, ce);
    EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 2, x, (const int64_t *)((const char *)targets + 4), w, -100, 0, MEAN, loss_buf, grad_buf),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, ce);
    const double smoothing[] = {-0.1, 1.1, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 2, x, targets, w, -100, smoothing[i], MEAN, loss_buf, grad_buf),
                     SWIFTOPT_ERROR_OUT_OF_BOUNDS, ce);
        EXPECT_ERROR(swiftopt_cross_entropy_probs(F64, 2, 2, x, probs, w, smoothing[i], MEAN, loss_buf, grad_buf),
                     SWIFTOPT_ERROR_OUT_OF_BOUNDS, cep);
    }
    const int64_t out_of_range[][2] = {{0, 2}, {-1, 0}, {0, INT64_MAX}, {INT64_MIN, 1}, {-100, 5}};
    for (int i = 0; i < 5; i++) {
        EXPECT_ERROR(swiftopt_cross_entropy(F64, 2, 2, x, out_of_range[i], w, -100, 0, SWIFTOPT_REDUCTION_NONE, loss_buf, grad_buf),
                     SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, ce);
        EXPECT_ERROR(swiftopt_nll_loss(F64, 2, 2, x, out_of_range[i], w, -100, SWIFTOPT_REDUCTION_NONE, loss_buf, grad_buf),
                     SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE, nll);
    }
    EXPECT_ERROR(swiftopt_nll_loss(F64, 2, 2, NULL, targets, w, -100, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, nll);
    EXPECT_ERROR(swiftopt_nll_loss(F64, 2, 2, x, NULL, w, -100, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, nll);
    EXPECT_ERROR(swiftopt_nll_loss(F64, 2, 2, x, targets, w, -100, MEAN, NULL, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, nll);
    EXPECT_ERROR(swiftopt_nll_loss(-5, 2, 2, x, targets, w, -100, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_DTYPE_MISMATCH, nll);
    EXPECT_ERROR(swiftopt_nll_loss(F64, 2, 2, x, targets, w, -100, 0, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, nll);
    EXPECT_ERROR(swiftopt_nll_loss(F64, -2, 2, x, targets, w, -100, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, nll);
    EXPECT_ERROR(swiftopt_nll_loss(F64, 2, 2, x, targets, (const char *)w + 2, -100, MEAN, loss_buf, grad_buf),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, nll);
    EXPECT_ERROR(swiftopt_cross_entropy_probs(F64, 2, 2, NULL, probs, w, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, cep);
    EXPECT_ERROR(swiftopt_cross_entropy_probs(F64, 2, 2, x, NULL, w, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, cep);
    EXPECT_ERROR(swiftopt_cross_entropy_probs(F64, 2, 2, x, probs, w, 0, MEAN, NULL, grad_buf), SWIFTOPT_ERROR_NULL_POINTER, cep);
    EXPECT_ERROR(swiftopt_cross_entropy_probs(F64, 2, 2, x, probs, w, 0, 0, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, cep);
    EXPECT_ERROR(swiftopt_cross_entropy_probs(F64, 2, 2, x, probs, w, 0, MEAN, loss_buf, (char *)grad_buf + 1),
                 SWIFTOPT_ERROR_INVALID_ARGUMENT, cep);
    EXPECT_ERROR(swiftopt_cross_entropy_probs(2, 2, -1, x, probs, w, 0, MEAN, loss_buf, grad_buf), SWIFTOPT_ERROR_INVALID_ARGUMENT, cep);

    /* Values. Logits +-1e4: row 0 predicts class 0 and is labelled 1. */
    const double big[N] = {1e4, -1e4, -1e4, 1e4};
    const int64_t ones[2] = {1, 1};
    CHECK(swiftopt_cross_entropy(F64, 2, 2, big, ones, NULL, -100, 0, SWIFTOPT_REDUCTION_NONE, loss_buf, grad_buf) == SWIFTOPT_OK);
    CHECK(loss_buf[0] == 2e4 && loss_buf[1] == 0.0);
    CHECK(grad_buf[0] == 1.0 && grad_buf[1] == -1.0 && grad_buf[2] == 0.0 && grad_buf[3] == 0.0);
    reset_outputs();
    const float big32[N] = {1e4f, -1e4f, -1e4f, 1e4f}, onehot32[N] = {0, 1, 0, 1};
    CHECK(swiftopt_cross_entropy_probs(SWIFTOPT_DTYPE_FLOAT32, 2, 2, big32, onehot32, NULL, 0, SWIFTOPT_REDUCTION_MEAN,
                                       loss_buf32, grad_buf32) == SWIFTOPT_OK);
    CHECK(loss_buf32[0] == 1e4f);
    CHECK(grad_buf32[0] == 0.5f && grad_buf32[1] == -0.5f && grad_buf32[2] == 0.0f && grad_buf32[3] == 0.0f);
    reset_outputs();
    /* Equal logits over 2 classes: loss log 2 per sample; weighted mean
     * (1 log2 + 2 log2) / (1 + 2) = log 2. */
    const double zeros[N] = {0, 0, 0, 0};
    CHECK(swiftopt_cross_entropy(F64, 2, 2, zeros, targets, w, -100, 0, MEAN, loss_buf, NULL) == SWIFTOPT_OK);
    CHECK(fabs(loss_buf[0] - log(2.0)) < 1e-15);
    reset_outputs();
    /* Every sample ignored: NaN loss, zero gradient (torch's behaviour). */
    CHECK(swiftopt_cross_entropy(F64, 2, 2, x, ignored, NULL, -100, 0.1, MEAN, loss_buf, grad_buf) == SWIFTOPT_OK);
    CHECK(isnan(loss_buf[0]) && grad_buf[0] == 0.0 && grad_buf[3] == 0.0);
    reset_outputs();
    /* nll: -w_t x_it; sum = -(1 * 0.5 + 2 * 0.0). */
    CHECK(swiftopt_nll_loss(F64, 2, 2, x, targets, w, -100, SWIFTOPT_REDUCTION_SUM, loss_buf, grad_buf) == SWIFTOPT_OK);
    CHECK(loss_buf[0] == -0.5);
    CHECK(grad_buf[0] == -1.0 && grad_buf[1] == 0.0 && grad_buf[2] == 0.0 && grad_buf[3] == -2.0);
    reset_outputs();
}

static void test_penalties(void) {
    const int32_t F64 = SWIFTOPT_DTYPE_FLOAT64;
    const double theta[3] = {1.0, -2.0, 0.0};
    double g[3] = {7, 7, 7}, value = SENTINEL;
    const double bad[] = {-1.0, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        CHECK(swiftopt_l1_penalty(F64, 3, theta, bad[i], &value, g) == SWIFTOPT_ERROR_OUT_OF_BOUNDS);
        CHECK(swiftopt_l2_penalty(F64, 3, theta, bad[i], &value, g) == SWIFTOPT_ERROR_OUT_OF_BOUNDS);
        CHECK(swiftopt_elastic_net_penalty(F64, 3, theta, bad[i], 1.0, &value, g) == SWIFTOPT_ERROR_OUT_OF_BOUNDS);
        CHECK(swiftopt_elastic_net_penalty(F64, 3, theta, 1.0, bad[i], &value, g) == SWIFTOPT_ERROR_OUT_OF_BOUNDS);
    }
    CHECK(swiftopt_l1_penalty(F64, 3, NULL, 1.0, &value, g) == SWIFTOPT_ERROR_NULL_POINTER);
    CHECK(swiftopt_l2_penalty(F64, 3, theta, 1.0, NULL, g) == SWIFTOPT_ERROR_NULL_POINTER);
    CHECK(swiftopt_elastic_net_penalty(F64, 3, theta, 1.0, 1.0, NULL, g) == SWIFTOPT_ERROR_NULL_POINTER);
    CHECK(swiftopt_l2_penalty(0, 3, theta, 1.0, &value, g) == SWIFTOPT_ERROR_DTYPE_MISMATCH);
    CHECK(swiftopt_l2_penalty(F64, 0, theta, 1.0, &value, g) == SWIFTOPT_ERROR_INVALID_ARGUMENT);
    CHECK(swiftopt_l2_penalty(F64, -3, theta, 1.0, &value, g) == SWIFTOPT_ERROR_INVALID_ARGUMENT);
    CHECK(swiftopt_l2_penalty(F64, INT64_MAX, theta, 1.0, &value, g) == SWIFTOPT_ERROR_INVALID_ARGUMENT);
    CHECK(swiftopt_l1_penalty(F64, 1, (const char *)theta + 4, 1.0, &value, g) == SWIFTOPT_ERROR_INVALID_ARGUMENT);
    CHECK(swiftopt_l1_penalty(F64, 1, theta, 1.0, &value, (char *)g + 4) == SWIFTOPT_ERROR_INVALID_ARGUMENT);
    CHECK(value == SENTINEL && g[0] == 7 && g[1] == 7 && g[2] == 7);
    char message[256];
    CHECK(swiftopt_last_error_message(message, sizeof message) > 0 && strstr(message, "swiftopt_l1_penalty") == message);

    /* Values, and the gradient added to what g holds. */
    CHECK(swiftopt_l1_penalty(F64, 3, theta, 0.5, &value, g) == SWIFTOPT_OK);
    CHECK(value == 1.5 && g[0] == 7.5 && g[1] == 6.5 && g[2] == 7.0);
    CHECK(swiftopt_l2_penalty(F64, 3, theta, 0.5, &value, NULL) == SWIFTOPT_OK);
    CHECK(value == 1.25);
    g[0] = g[1] = g[2] = 0;
    CHECK(swiftopt_elastic_net_penalty(F64, 3, theta, 0.5, 2.0, &value, g) == SWIFTOPT_OK);
    CHECK(value == 1.5 + 5.0 && g[0] == 2.5 && g[1] == -4.5 && g[2] == 0.0);
    const float theta32[2] = {3.0f, -4.0f};
    float g32[2] = {1.0f, 1.0f};
    CHECK(swiftopt_l2_penalty(SWIFTOPT_DTYPE_FLOAT32, 2, theta32, 0.1, &value, g32) == SWIFTOPT_OK);
    CHECK(fabs(value - 1.25) < 1e-12 && fabsf(g32[0] - 1.3f) < 1e-6f && fabsf(g32[1] - 0.6f) < 1e-6f);
}

int main(void) {
    reset_outputs();
    CHECK(SWIFTOPT_REDUCTION_NONE == 1 && SWIFTOPT_REDUCTION_MEAN == 2 && SWIFTOPT_REDUCTION_SUM == 3);
    test_elementwise();
    test_bce();
    test_class_losses();
    test_penalties();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
