// test_cxx.cpp: the header compiles as C++17 (-Wall -Wextra -Werror -pedantic)
// and works from C++: extern "C" linkage, constants usable in constant
// expressions, an RAII owner around the opaque handle, std::vector buffers.
#include "swiftopt.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

static long passed = 0, failed = 0;

#define CHECK(cond)                                                               \
    do {                                                                          \
        if (cond) {                                                               \
            ++passed;                                                             \
        } else {                                                                  \
            ++failed;                                                             \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                         \
    } while (0)

// Constants are plain integer constant expressions.
static_assert(SWIFTOPT_OK == 0, "SWIFTOPT_OK");
static_assert(SWIFTOPT_ERROR_INTERNAL == 15, "status values are fixed");
static_assert(SWIFTOPT_ALGORITHM_ADAMW == 5, "algorithm codes are fixed");
static_assert(SWIFTOPT_HP_AMSGRAD == 14, "hyperparameter codes are fixed");
static_assert(SWIFTOPT_STATE_MAX_EXP_AVG_SQ == 7, "state codes are fixed");
static_assert(SWIFTOPT_VERSION_NUMBER ==
                  SWIFTOPT_VERSION_MAJOR * 10000 + SWIFTOPT_VERSION_MINOR * 100 + SWIFTOPT_VERSION_PATCH,
              "version number");
// Fixed-width signatures, C linkage.
static_assert(std::is_same<decltype(&swiftopt_optimizer_step),
                           int32_t (*)(swiftopt_optimizer *, const void *const *, int64_t)>::value,
              "swiftopt_optimizer_step signature");
static_assert(std::is_same<decltype(swiftopt_last_error_message(nullptr, 0)), size_t>::value,
              "swiftopt_last_error_message returns size_t");

namespace {

struct OptimizerDeleter {
    void operator()(swiftopt_optimizer *o) const noexcept { (void)swiftopt_optimizer_free(o); }
};
using Optimizer = std::unique_ptr<swiftopt_optimizer, OptimizerDeleter>;

std::string last_error() {
    size_t n = swiftopt_last_error_message(nullptr, 0);
    std::string s(n, '\0');
    swiftopt_last_error_message(&s[0], n + 1);  // C++11: s[n] may hold the NUL
    return s;
}

Optimizer make(int32_t algorithm) {
    swiftopt_optimizer *raw = nullptr;
    if (swiftopt_optimizer_create(algorithm, &raw) != SWIFTOPT_OK) return Optimizer();
    return Optimizer(raw);
}

}  // namespace

int main() {
    CHECK(swiftopt_version_number() == SWIFTOPT_VERSION_NUMBER);
    CHECK(std::string(swiftopt_version_string()) == SWIFTOPT_VERSION_STRING);
    CHECK(std::string(swiftopt_status_name(SWIFTOPT_ERROR_DTYPE_MISMATCH)) == "SWIFTOPT_ERROR_DTYPE_MISMATCH");

    int32_t algo = 0;
    CHECK(swiftopt_algorithm_from_name("AdamW", &algo) == SWIFTOPT_OK && algo == SWIFTOPT_ALGORITHM_ADAMW);
    Optimizer opt = make(algo);
    CHECK(opt != nullptr);
    if (!opt) {
        std::printf("%ld passed, %ld failed\n", passed, failed + 1);
        return 1;
    }
    CHECK(swiftopt_optimizer_set_hyperparameter(opt.get(), 0, SWIFTOPT_HP_LR, 0.1) == SWIFTOPT_OK);

    std::vector<float> w{1.0f, -2.0f, 3.0f, -4.0f};
    std::vector<float> g{0.5f, 0.5f, -0.5f, -0.5f};
    int64_t index = -1;
    CHECK(swiftopt_optimizer_add_param(opt.get(), 0, SWIFTOPT_DTYPE_FLOAT32, w.data(),
                                       static_cast<int64_t>(w.size()), &index) == SWIFTOPT_OK);
    CHECK(index == 0);
    const void *grads[] = {g.data()};
    for (int t = 0; t < 3; ++t) CHECK(swiftopt_optimizer_step(opt.get(), grads, 1) == SWIFTOPT_OK);
    int64_t step = 0;
    CHECK(swiftopt_optimizer_get_step(opt.get(), 0, &step) == SWIFTOPT_OK && step == 3);
    // AdamW moves each weight by about lr per step against the gradient's sign.
    CHECK(w[0] < 1.0f && w[2] > 3.0f);
    CHECK(std::fabs(w[3] - (-4.0f * (1 - 0.1f * 0.01f) * (1 - 0.1f * 0.01f) * (1 - 0.1f * 0.01f) + 0.3f)) < 1e-3f);

    std::vector<float> m(w.size());
    CHECK(swiftopt_optimizer_get_state(opt.get(), 0, SWIFTOPT_STATE_EXP_AVG, m.data(),
                                       static_cast<int64_t>(m.size())) == SWIFTOPT_OK);
    CHECK(m[0] > 0.0f && m[2] < 0.0f);

    // Errors from C++: a status, a message in a std::string, nothing changed.
    std::vector<float> before = w;
    CHECK(swiftopt_optimizer_step(opt.get(), grads, 2) == SWIFTOPT_ERROR_SIZE_MISMATCH);
    std::string message = last_error();
    CHECK(!message.empty() && message.size() == std::strlen(message.c_str()));
    CHECK(w == before);
    CHECK(swiftopt_optimizer_set_hyperparameter(opt.get(), 0, SWIFTOPT_HP_BETA1, 1.0) ==
          SWIFTOPT_ERROR_OUT_OF_BOUNDS);
    CHECK(last_error() != message);

    // Caller-owned step from C++ containers.
    std::vector<double> p{1.0, 2.0}, pg{0.25, -0.25}, ea(2, 0.0), eas(2, 0.0);
    void *params[] = {p.data()};
    const void *tgrads[] = {pg.data()};
    void *states[] = {ea.data(), eas.data()};
    int64_t counts[] = {2}, steps[] = {0};
    CHECK(swiftopt_optimizer_step_tensors(opt.get(), 0, SWIFTOPT_DTYPE_FLOAT64, 1, params, tgrads, counts,
                                          states, 2, steps) == SWIFTOPT_OK);
    CHECK(steps[0] == 1 && p[0] < 1.0 && p[1] > 2.0);

    swiftopt_optimizer *raw = opt.release();
    CHECK(swiftopt_optimizer_free(raw) == SWIFTOPT_OK);
    CHECK(swiftopt_optimizer_free(raw) == SWIFTOPT_ERROR_INVALID_HANDLE);
    CHECK(swiftopt_optimizer_free(nullptr) == SWIFTOPT_OK);

    std::printf("%ld passed, %ld failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
