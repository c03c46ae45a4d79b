/*
 * check.h: a tiny assertion set for the C tests (no framework).
 *
 * Every CHECK counts one passed or failed check (atomically, so threads may
 * check too); check_report() prints the line CI parses, exactly
 * "N passed, M failed", and returns the process exit status.
 *
 * Include this header first: it selects POSIX.1-2008 for pthread barriers.
 */
#ifndef SWIFTOPT_TEST_CHECK_H
#define SWIFTOPT_TEST_CHECK_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swiftopt.h"

static atomic_long check_passed_;
static atomic_long check_failed_;

static inline int check_record_(int ok, const char *file, int line, const char *what) {
    if (ok) {
        atomic_fetch_add(&check_passed_, 1);
    } else {
        atomic_fetch_add(&check_failed_, 1);
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
    return ok;
}

/** Counts one check of `cond`; evaluates to whether it held. */
#define CHECK(cond) check_record_((cond) ? 1 : 0, __FILE__, __LINE__, #cond)

/** Like CHECK, with a printf-style explanation on failure. */
#define CHECKF(cond, ...)                                                    \
    ((cond) ? check_record_(1, __FILE__, __LINE__, #cond)                    \
            : (fprintf(stderr, "%s:%d: ", __FILE__, __LINE__),               \
               fprintf(stderr, __VA_ARGS__), fputc('\n', stderr),            \
               check_record_(0, __FILE__, __LINE__, #cond)))

static inline int check_status_(int32_t got, int32_t want, const char *file, int line,
                                const char *expr) {
    if (got == want) return check_record_(1, file, line, expr);
    char message[512];
    swiftopt_last_error_message(message, sizeof message);
    fprintf(stderr, "%s:%d: %s returned %s (%d), expected %s (%d); last message: %s\n", file,
            line, expr, swiftopt_status_name(got), (int)got, swiftopt_status_name(want),
            (int)want, message);
    return check_record_(0, file, line, expr);
}

/** Checks that `expr` returns status `want`. */
#define CHECK_STATUS(want, expr) check_status_((expr), (want), __FILE__, __LINE__, #expr)
/** Checks that `expr` returns SWIFTOPT_OK. */
#define CHECK_OK(expr) CHECK_STATUS(SWIFTOPT_OK, expr)

/** Stops the current test function when a precondition fails. */
#define REQUIRE_OK(expr)                                                     \
    do {                                                                     \
        if (!CHECK_OK(expr)) return;                                         \
    } while (0)

static inline int check_report(const char *suite) {
    long passed = atomic_load(&check_passed_), failed = atomic_load(&check_failed_);
    fprintf(stderr, "[%s] done\n", suite);
    printf("%ld passed, %ld failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}

/** Whether SWIFTOPT_TEST_QUICK is set (valgrind runs): shrink long loops. */
static inline int test_quick(void) {
    const char *q = getenv("SWIFTOPT_TEST_QUICK");
    return q != NULL && q[0] != '\0' && strcmp(q, "0") != 0;
}

/** The calling thread's last error message, in a static-size buffer. */
typedef struct {
    char text[1024];
    size_t length;
} error_text;

static inline error_text last_error(void) {
    error_text e;
    e.length = swiftopt_last_error_message(e.text, sizeof e.text);
    return e;
}

/** Deterministic pseudo-random numbers (xorshift64*), in [-1, 1). */
static inline double test_rand(uint64_t *s) {
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1.0;
}

#endif /* SWIFTOPT_TEST_CHECK_H */
