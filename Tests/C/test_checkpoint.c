/*
 * test_checkpoint.c: swiftopt_optimizer_checkpoint_size / save / load.
 *
 * A round trip resumes bit for bit; every error path returns its documented
 * status, leaves a message naming the function and changes nothing (the
 * target optimizer's own checkpoint, its parameters and the out-parameters
 * are byte-identical before and after).
 */
#include "check.h"

#define F32 SWIFTOPT_DTYPE_FLOAT32
#define F64 SWIFTOPT_DTYPE_FLOAT64

/** Adam, amsgrad, two groups, a StepLR on group 1; w (3 floats) in group 0, v (2) in group 1. */
static swiftopt_optimizer *make(float *w, float *v, int configure) {
    swiftopt_optimizer *opt = NULL;
    if (!CHECK_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &opt))) return NULL;
    CHECK_OK(swiftopt_optimizer_add_group(opt, NULL));
    if (configure) {
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_LR, 0.01));
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_AMSGRAD, 1.0));
        CHECK_OK(swiftopt_optimizer_set_hyperparameter(opt, 1, SWIFTOPT_HP_LR, 0.05));
        swiftopt_schedule *s = NULL;
        CHECK_OK(swiftopt_schedule_create(SWIFTOPT_SCHEDULE_STEP_LR, &s));
        CHECK_OK(swiftopt_schedule_set_param(s, SWIFTOPT_SCHEDULE_PARAM_STEP_SIZE, 2));
        CHECK_OK(swiftopt_optimizer_attach_schedule(opt, 1, s));
        CHECK_OK(swiftopt_schedule_free(s));
    }
    CHECK_OK(swiftopt_optimizer_add_param(opt, 0, F32, w, 3, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(opt, 1, F32, v, 2, NULL));
    return opt;
}

static void step(swiftopt_optimizer *opt, const float *w, const float *v, int k) {
    float gw[3], gv[2];
    for (int i = 0; i < 3; i++) gw[i] = w[i] * 0.5f + 0.01f * (float)k;
    for (int i = 0; i < 2; i++) gv[i] = v[i] - 0.02f * (float)k;
    const void *grads[2] = {gw, gv};
    CHECK_OK(swiftopt_optimizer_step(opt, grads, 2));
}

/** The optimizer's checkpoint in a malloc'd buffer (*size bytes). */
static unsigned char *save(swiftopt_optimizer *opt, int64_t *size) {
    *size = 0;
    if (!CHECK_OK(swiftopt_optimizer_checkpoint_size(opt, size)) || *size <= 0) return NULL;
    unsigned char *buffer = (unsigned char *)malloc((size_t)*size);
    int64_t written = -1;
    if (!CHECK(buffer != NULL)) return NULL;
    CHECK_OK(swiftopt_optimizer_save(opt, buffer, *size, &written));
    CHECK(written == *size);
    return buffer;
}

static void test_round_trip(void) {
    float wa[3] = {1, -2, 3}, va[2] = {0.5f, -0.25f};
    float wb[3] = {9, 9, 9}, vb[2] = {9, 9};
    swiftopt_optimizer *a = make(wa, va, 1), *b = make(wb, vb, 0);
    if (!a || !b) return;
    for (int k = 0; k < 4; k++) step(a, wa, va, k);
    int64_t size = 0;
    unsigned char *saved = save(a, &size);
    if (!saved) return;
    CHECK(memcmp(saved, "SWOPTCK\0", 8) == 0);
    /* The caller restores its parameter values; load restores the rest. */
    memcpy(wb, wa, sizeof wa);
    memcpy(vb, va, sizeof va);
    CHECK_OK(swiftopt_optimizer_load(b, saved, size));
    double lr = 0;
    CHECK_OK(swiftopt_optimizer_get_hyperparameter(b, 1, SWIFTOPT_HP_LR, &lr));
    CHECK(lr == 0.05 * 0.1 * 0.1);  /* StepLR after 4 steps of step_size 2 */
    int32_t attached = 0;
    int64_t schedule_step = 0;
    CHECK_OK(swiftopt_optimizer_schedule_state(b, 1, &attached, NULL, &schedule_step));
    CHECK(attached == 1 && schedule_step == 4);
    for (int k = 4; k < 10; k++) {
        step(a, wa, va, k);
        step(b, wb, vb, k);
    }
    CHECK(memcmp(wa, wb, sizeof wa) == 0 && memcmp(va, vb, sizeof va) == 0);
    int64_t size_a = 0, size_b = 0;
    unsigned char *after_a = save(a, &size_a), *after_b = save(b, &size_b);
    CHECK(after_a && after_b && size_a == size_b && memcmp(after_a, after_b, (size_t)size_a) == 0);
    free(after_a);
    free(after_b);
    free(saved);
    swiftopt_optimizer_free(a);
    swiftopt_optimizer_free(b);
}

/** Checks status, a fresh message naming `function`, and no change to `opt`. */
#define EXPECT_ERROR(status, function, opt, call)                                     \
    do {                                                                               \
        int64_t before_size_ = 0;                                                      \
        unsigned char *before_ = save((opt), &before_size_);                           \
        swiftopt_optimizer_free(NULL);                                                 \
        swiftopt_set_num_threads(-1); /* sentinel message */                           \
        CHECK_STATUS((status), (call));                                                \
        error_text e_ = last_error();                                                  \
        CHECKF(strncmp(e_.text, function ":", strlen(function ":")) == 0, "message: %s", e_.text); \
        int64_t after_size_ = 0;                                                       \
        unsigned char *after_ = save((opt), &after_size_);                             \
        CHECK(before_ && after_ && before_size_ == after_size_ &&                      \
              memcmp(before_, after_, (size_t)before_size_) == 0);                     \
        free(before_);                                                                 \
        free(after_);                                                                  \
    } while (0)

static uint32_t crc32_ref(const unsigned char *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

static void test_errors(void) {
    float w[3] = {1, 2, 3}, v[2] = {4, 5};
    float w2[3] = {1, 2, 3}, v2[2] = {4, 5};
    swiftopt_optimizer *a = make(w, v, 1), *target = make(w2, v2, 0);
    if (!a || !target) return;
    step(a, w, v, 0);
    step(target, w2, v2, 0);
    int64_t size = 0;
    unsigned char *good = save(a, &size);
    if (!good) return;

    /* NULL and bad handles */
    int64_t out = -7;
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_checkpoint_size(NULL, &out));
    CHECK(out == -7);
    EXPECT_ERROR(SWIFTOPT_ERROR_NULL_POINTER, "swiftopt_optimizer_checkpoint_size", target,
                 swiftopt_optimizer_checkpoint_size(target, NULL));
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_save(NULL, good, size, &out));
    CHECK_STATUS(SWIFTOPT_ERROR_NULL_POINTER, swiftopt_optimizer_load(NULL, good, size));
    swiftopt_optimizer *bogus = (swiftopt_optimizer *)(uintptr_t)0x1230;
    CHECK_STATUS(SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_checkpoint_size(bogus, &out));
    CHECK_STATUS(SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_save(bogus, good, size, &out));
    CHECK_STATUS(SWIFTOPT_ERROR_INVALID_HANDLE, swiftopt_optimizer_load(bogus, good, size));
    swiftopt_schedule *schedule = NULL;
    CHECK_OK(swiftopt_schedule_create(SWIFTOPT_SCHEDULE_CONSTANT, &schedule));
    CHECK_STATUS(SWIFTOPT_ERROR_INVALID_HANDLE,
                 swiftopt_optimizer_load((swiftopt_optimizer *)schedule, good, size));
    swiftopt_schedule_free(schedule);
    CHECK(out == -7);

    /* save: capacity */
    unsigned char *buffer = (unsigned char *)malloc((size_t)size);
    if (!CHECK(buffer != NULL)) return;
    memset(buffer, 0xAB, (size_t)size);
    EXPECT_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT, "swiftopt_optimizer_save", a,
                 swiftopt_optimizer_save(a, buffer, -1, &out));
    CHECK(out == -7);
    EXPECT_ERROR(SWIFTOPT_ERROR_NULL_POINTER, "swiftopt_optimizer_save", a,
                 swiftopt_optimizer_save(a, NULL, size, &out));
    CHECK(out == -7);
    EXPECT_ERROR(SWIFTOPT_ERROR_BUFFER_TOO_SMALL, "swiftopt_optimizer_save", a,
                 swiftopt_optimizer_save(a, buffer, size - 1, &out));
    CHECK(out == size); /* the size is still reported */
    int all_ab = 1;
    for (int64_t i = 0; i < size; i++) all_ab &= buffer[i] == 0xAB;
    CHECK(all_ab); /* nothing written */
    out = -7;
    EXPECT_ERROR(SWIFTOPT_ERROR_BUFFER_TOO_SMALL, "swiftopt_optimizer_save", a,
                 swiftopt_optimizer_save(a, NULL, 0, &out));
    CHECK(out == size);
    CHECK_OK(swiftopt_optimizer_save(a, buffer, size, NULL));
    CHECK(memcmp(buffer, good, (size_t)size) == 0);
    free(buffer);

    /* load: arguments */
    EXPECT_ERROR(SWIFTOPT_ERROR_NULL_POINTER, "swiftopt_optimizer_load", target,
                 swiftopt_optimizer_load(target, NULL, size));
    EXPECT_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT, "swiftopt_optimizer_load", target,
                 swiftopt_optimizer_load(target, good, -1));
    EXPECT_ERROR(SWIFTOPT_ERROR_CORRUPT_DATA, "swiftopt_optimizer_load", target,
                 swiftopt_optimizer_load(target, good, 0));

    /* load: every truncation and a sample of byte flips (all of them in the
     * Swift tests); quick mode (valgrind) strides through them */
    int stride = test_quick() ? 7 : 1;
    unsigned char *copy = (unsigned char *)malloc((size_t)size + 1);
    if (!CHECK(copy != NULL)) return;
    for (int64_t n = 0; n < size; n += stride) {
        memcpy(copy, good, (size_t)n);
        /* an exact-size heap block: ASan catches any read past it */
        unsigned char *exact = (unsigned char *)malloc(n > 0 ? (size_t)n : 1);
        memcpy(exact, good, (size_t)n);
        CHECK_STATUS(SWIFTOPT_ERROR_CORRUPT_DATA, swiftopt_optimizer_load(target, exact, n));
        free(exact);
    }
    for (int64_t i = 0; i < size; i += stride) {
        memcpy(copy, good, (size_t)size);
        copy[i] ^= 0x5A;
        CHECK_STATUS(SWIFTOPT_ERROR_CORRUPT_DATA, swiftopt_optimizer_load(target, copy, size));
    }
    memcpy(copy, good, (size_t)size);
    copy[size] = 0;
    EXPECT_ERROR(SWIFTOPT_ERROR_CORRUPT_DATA, "swiftopt_optimizer_load", target,
                 swiftopt_optimizer_load(target, copy, size + 1));
    copy[3] ^= 1;
    EXPECT_ERROR(SWIFTOPT_ERROR_CORRUPT_DATA, "swiftopt_optimizer_load", target,
                 swiftopt_optimizer_load(target, copy, size));
    /* a future format version, correctly checksummed */
    memcpy(copy, good, (size_t)size);
    copy[8] = 2;
    uint32_t crc = crc32_ref(copy, (size_t)size - 4);
    for (int k = 0; k < 4; k++) copy[size - 4 + k] = (unsigned char)(crc >> (8 * k));
    EXPECT_ERROR(SWIFTOPT_ERROR_CORRUPT_DATA, "swiftopt_optimizer_load", target,
                 swiftopt_optimizer_load(target, copy, size));
    error_text e = last_error();
    CHECKF(strstr(e.text, "version 2") != NULL, "message: %s", e.text);
    /* the CRC is zlib's */
    uint32_t stored = 0;
    for (int k = 0; k < 4; k++) stored |= (uint32_t)good[size - 4 + k] << (8 * k);
    CHECK(stored == crc32_ref(good, (size_t)size - 4));
    free(copy);

    /* load: mismatches */
    swiftopt_optimizer *other = NULL;
    float x[3] = {0}, y[2] = {0};
    double xd[3] = {0};
    CHECK_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAMW, &other));
    CHECK_OK(swiftopt_optimizer_add_group(other, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 0, F32, x, 3, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 1, F32, y, 2, NULL));
    EXPECT_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT, "swiftopt_optimizer_load", other,
                 swiftopt_optimizer_load(other, good, size));
    swiftopt_optimizer_free(other);

    CHECK_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &other));
    CHECK_OK(swiftopt_optimizer_add_param(other, 0, F32, x, 3, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 0, F32, y, 2, NULL));
    EXPECT_ERROR(SWIFTOPT_ERROR_SIZE_MISMATCH, "swiftopt_optimizer_load", other,
                 swiftopt_optimizer_load(other, good, size)); /* one group */
    swiftopt_optimizer_free(other);

    CHECK_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &other));
    CHECK_OK(swiftopt_optimizer_add_group(other, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 0, F32, x, 3, NULL));
    EXPECT_ERROR(SWIFTOPT_ERROR_SIZE_MISMATCH, "swiftopt_optimizer_load", other,
                 swiftopt_optimizer_load(other, good, size)); /* one parameter */
    CHECK_OK(swiftopt_optimizer_add_param(other, 1, F32, y, 1, NULL));
    EXPECT_ERROR(SWIFTOPT_ERROR_SIZE_MISMATCH, "swiftopt_optimizer_load", other,
                 swiftopt_optimizer_load(other, good, size)); /* 1 element, not 2 */
    swiftopt_optimizer_free(other);

    CHECK_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &other));
    CHECK_OK(swiftopt_optimizer_add_group(other, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 0, F64, xd, 3, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 1, F32, y, 2, NULL));
    EXPECT_ERROR(SWIFTOPT_ERROR_DTYPE_MISMATCH, "swiftopt_optimizer_load", other,
                 swiftopt_optimizer_load(other, good, size));
    swiftopt_optimizer_free(other);

    CHECK_OK(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_ADAM, &other));
    CHECK_OK(swiftopt_optimizer_add_group(other, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 0, F32, x, 3, NULL));
    CHECK_OK(swiftopt_optimizer_add_param(other, 0, F32, y, 2, NULL));
    EXPECT_ERROR(SWIFTOPT_ERROR_INVALID_ARGUMENT, "swiftopt_optimizer_load", other,
                 swiftopt_optimizer_load(other, good, size)); /* v in group 0, saved in 1 */
    swiftopt_optimizer_free(other);

    /* the target still loads the good checkpoint */
    CHECK_OK(swiftopt_optimizer_load(target, good, size));
    CHECK(strcmp(swiftopt_status_name(SWIFTOPT_ERROR_CORRUPT_DATA), "SWIFTOPT_ERROR_CORRUPT_DATA") == 0);
    free(good);
    swiftopt_optimizer_free(a);
    swiftopt_optimizer_free(target);
}

int main(void) {
    test_round_trip();
    test_errors();
    return check_report("test_checkpoint");
}
