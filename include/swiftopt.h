/*
 * swiftopt.h — the C interface of swiftopt, an embeddable optimizer runtime.
 *
 * This header is the contract and the reference manual. Every function is
 * implemented in Swift with `@c @implementation`, so the compiler checks each
 * export against the prototype declared here.
 *
 * Model
 * -----
 * The caller computes gradients; swiftopt computes the update. An optimizer
 * (`swiftopt_optimizer`) runs one algorithm (SGD, Adagrad, RMSprop, Adam,
 * AdamW) with torch.optim's semantics and defaults. It holds one or more
 * parameter groups, each with its own hyperparameters (torch's
 * `param_groups`). State can be owned two ways, both stepped by the same
 * kernels:
 *
 *   1. library-owned: register parameter buffers with
 *      swiftopt_optimizer_add_param(); the optimizer allocates the state
 *      tensors; swiftopt_optimizer_step() updates every parameter given one
 *      gradient pointer per parameter.
 *   2. caller-owned: swiftopt_optimizer_step_tensors() updates buffers that
 *      the caller owns (parameters, gradients, torch's per-parameter state
 *      tensors and step counts) with one group's hyperparameters.
 *
 * Plain gradient descent is SGD with momentum 0. Full-batch, mini-batch and
 * stochastic gradient descent differ only in the gradient the caller passes:
 * the mean gradient over the whole data set, over a mini-batch, or of one
 * example.
 *
 * Errors
 * ------
 * Every fallible function returns an int32_t status: SWIFTOPT_OK (0) or one
 * of the SWIFTOPT_ERROR_* codes below. Codes are never renumbered.
 * swiftopt_status_name() names a code; swiftopt_last_error_message() copies
 * the detailed message of the calling thread's last failure. A failed call
 * changes nothing: no parameter, state tensor, step count or hyperparameter
 * is modified, and out-parameters are left untouched.
 *
 * Handles are validated on every call: NULL, freed and wrong-kind handles
 * give SWIFTOPT_ERROR_NULL_POINTER or SWIFTOPT_ERROR_INVALID_HANDLE, never a
 * crash. Handle values are never reused within a process.
 *
 * Threads
 * -------
 * Every function may be called from any thread. Calls on one optimizer are
 * serialized by a lock inside the handle (a step in one thread and a
 * hyperparameter change in another never interleave); calls on different
 * optimizers run in parallel. Error messages are kept per thread. The
 * parameter, gradient and state buffers a call reads or writes must not be
 * written by another thread during that call.
 *
 * Memory
 * ------
 * swiftopt never frees or reallocates caller memory. Registered parameter
 * buffers stay owned by the caller and must stay valid (and not move) until
 * the optimizer is freed. Buffers must be aligned to their element size and
 * must not overlap each other. Strings returned as `const char *` are static
 * and must not be freed.
 */
#ifndef SWIFTOPT_H
#define SWIFTOPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

#define SWIFTOPT_VERSION_MAJOR 0
#define SWIFTOPT_VERSION_MINOR 1
#define SWIFTOPT_VERSION_PATCH 0
/** MAJOR * 10000 + MINOR * 100 + PATCH. */
#define SWIFTOPT_VERSION_NUMBER \
    (SWIFTOPT_VERSION_MAJOR * 10000 + SWIFTOPT_VERSION_MINOR * 100 + SWIFTOPT_VERSION_PATCH)
#define SWIFTOPT_VERSION_STRING "0.1.0"

/**
 * Returns the version of the loaded library as MAJOR * 10000 + MINOR * 100 +
 * PATCH. Compare with SWIFTOPT_VERSION_NUMBER to detect a header/library
 * mismatch. Never fails; thread-safe.
 */
uint32_t swiftopt_version_number(void);

/**
 * Returns the version of the loaded library as a static NUL-terminated
 * string "MAJOR.MINOR.PATCH". Never fails; thread-safe; do not free.
 */
const char *swiftopt_version_string(void);

/* ------------------------------------------------------------------------ */
/* Status codes and error messages                                          */
/* ------------------------------------------------------------------------ */

/** Status codes. Values are fixed and never renumbered. */
enum {
    /** Success. */
    SWIFTOPT_OK = 0,
    /** A required pointer argument (handle, array, out-parameter) is NULL. */
    SWIFTOPT_ERROR_NULL_POINTER = 1,
    /** The handle was freed, was never created, or is of another kind. */
    SWIFTOPT_ERROR_INVALID_HANDLE = 2,
    /** An argument is malformed: negative or zero count, misaligned buffer, etc. */
    SWIFTOPT_ERROR_INVALID_ARGUMENT = 3,
    /** The algorithm code or name is not known. */
    SWIFTOPT_ERROR_UNKNOWN_ALGORITHM = 4,
    /** The hyperparameter code or name is not known, or not used by this algorithm. */
    SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER = 5,
    /** A hyperparameter value is NaN, infinite or outside its documented bounds. */
    SWIFTOPT_ERROR_OUT_OF_BOUNDS = 6,
    /** Hyperparameters conflict (e.g. nesterov with momentum 0 or dampening != 0). */
    SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS = 7,
    /** The dtype code is unknown, or differs from the parameter's dtype. */
    SWIFTOPT_ERROR_DTYPE_MISMATCH = 8,
    /** An element count or array length differs from what the optimizer holds. */
    SWIFTOPT_ERROR_SIZE_MISMATCH = 9,
    /** A group or parameter index is out of range. */
    SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE = 10,
    /** A step was requested but no parameter has been registered. */
    SWIFTOPT_ERROR_NO_PARAMETERS = 11,
    /** The state kind code is unknown or not used by this group's options. */
    SWIFTOPT_ERROR_UNKNOWN_STATE = 12,
    /** A capacity passed by the caller is too small for the result. */
    SWIFTOPT_ERROR_BUFFER_TOO_SMALL = 13,
    /** Memory could not be allocated. */
    SWIFTOPT_ERROR_OUT_OF_MEMORY = 14,
    /** An internal invariant failed; please report it. */
    SWIFTOPT_ERROR_INTERNAL = 15
};

/**
 * Returns the name of a status code as a static string, e.g. "SWIFTOPT_OK",
 * "SWIFTOPT_ERROR_NULL_POINTER"; "SWIFTOPT_UNKNOWN_STATUS" for a value that
 * is not a status code. Never fails; thread-safe; do not free.
 */
const char *swiftopt_status_name(int32_t status);

/**
 * Copies the detailed message of the calling thread's last failed call into
 * `buffer` (at most `capacity` bytes, always NUL-terminated when capacity > 0,
 * truncated if needed). Successful calls do not clear the message; the
 * message is "" when this thread has had no failure.
 *
 * Returns the full length of the message in bytes, excluding the NUL, as
 * snprintf does: a return value >= capacity means the copy was truncated.
 * `buffer` may be NULL when `capacity` is 0 (to query the length).
 * Never fails; thread-safe (messages are per thread).
 */
size_t swiftopt_last_error_message(char *buffer, size_t capacity);

/* ------------------------------------------------------------------------ */
/* Algorithms, dtypes, hyperparameters and state tensors                    */
/* ------------------------------------------------------------------------ */

/** Element types of parameters, gradients and state tensors. */
enum {
    SWIFTOPT_DTYPE_FLOAT32 = 1, /**< IEEE-754 binary32, C `float`. */
    SWIFTOPT_DTYPE_FLOAT64 = 2  /**< IEEE-754 binary64, C `double`. */
};

/** Optimization algorithms (torch.optim class of the same name). */
enum {
    /** SGD: lr, momentum, dampening, weight_decay, nesterov, maximize. */
    SWIFTOPT_ALGORITHM_SGD = 1,
    /** Adagrad: lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize. */
    SWIFTOPT_ALGORITHM_ADAGRAD = 2,
    /** RMSprop: lr, alpha, eps, weight_decay, momentum, centered, maximize. */
    SWIFTOPT_ALGORITHM_RMSPROP = 3,
    /** Adam: lr, beta1, beta2, eps, weight_decay (coupled L2), amsgrad, maximize. */
    SWIFTOPT_ALGORITHM_ADAM = 4,
    /** AdamW: as Adam, with decoupled weight decay (default 1e-2). */
    SWIFTOPT_ALGORITHM_ADAMW = 5
};

/**
 * Hyperparameters. Names are torch.optim's (torch's `betas` tuple is split
 * into beta1 and beta2). Boolean hyperparameters take 0.0 or 1.0.
 *
 * | code | name                      | algorithms                 | default          | bounds      |
 * |------|---------------------------|----------------------------|------------------|-------------|
 * | 1    | lr                        | all                        | SGD, Adam, AdamW 1e-3; Adagrad, RMSprop 1e-2 | [0, inf) |
 * | 2    | momentum                  | SGD, RMSprop               | 0                | [0, inf)    |
 * | 3    | dampening                 | SGD                        | 0                | [0, 1]      |
 * | 4    | weight_decay              | all                        | 0 (AdamW 1e-2)   | [0, inf)    |
 * | 5    | nesterov                  | SGD                        | 0                | {0, 1}      |
 * | 6    | maximize                  | all                        | 0                | {0, 1}      |
 * | 7    | lr_decay                  | Adagrad                    | 0                | [0, inf)    |
 * | 8    | initial_accumulator_value | Adagrad                    | 0                | [0, inf)    |
 * | 9    | eps                       | Adagrad 1e-10, RMSprop, Adam, AdamW 1e-8 | | (0, inf)   |
 * | 10   | alpha                     | RMSprop                    | 0.99             | [0, 1]      |
 * | 11   | centered                  | RMSprop                    | 0                | {0, 1}      |
 * | 12   | beta1                     | Adam, AdamW                | 0.9              | [0, 1)      |
 * | 13   | beta2                     | Adam, AdamW                | 0.999            | [0, 1)      |
 * | 14   | amsgrad                   | Adam, AdamW                | 0                | {0, 1}      |
 * | 15   | decoupled_weight_decay    | all but AdamW              | 0                | {0, 1}      |
 * | 16   | l1                        | all                        | 0                | [0, inf)    |
 * | 17   | max_grad_norm             | all                        | 0 (off)          | [0, inf)    |
 * | 18   | clip_value                | all                        | 0 (off)          | [0, inf)    |
 *
 * All values must be finite. SGD's nesterov requires momentum > 0 and
 * dampening == 0 (checked whenever one of the three is set).
 *
 * Regularization and clipping, shared by every algorithm (γ is the group's
 * lr, λ its weight_decay):
 *  - weight_decay is coupled L2 (g ← g + λθ, torch's form) unless
 *    decoupled_weight_decay is 1: then θ ← θ(1 − γλ) before the update
 *    (AdamW's form; AdamW always decouples and has no switch).
 *  - l1 = λ₁ > 0 applies a proximal step after the update,
 *    θ ← sign(θ)·max(|θ| − γλ₁, 0), so that weights reach exact zeros.
 *  - max_grad_norm = c > 0 clips the gradients of all the group's tensors
 *    stepped in one call to a global L2 norm of at most c, with torch's
 *    clip_grad_norm_ formula g ← g·min(c / (‖g‖ + 1e-6), 1). The gradient
 *    buffers are not modified: the scale is applied as they are read. The
 *    norm before clipping is reported by swiftopt_optimizer_grad_norm().
 *  - clip_value = c > 0 clamps each gradient element to [−c, c] (after norm
 *    clipping, when both are on), as torch's clip_grad_value_.
 *  Order per element: clip, negate (maximize), add coupled L2, update, L1.
 * swiftopt_algorithm_hyperparameter_info() returns these facts at run time.
 */
enum {
    SWIFTOPT_HP_LR = 1,
    SWIFTOPT_HP_MOMENTUM = 2,
    SWIFTOPT_HP_DAMPENING = 3,
    SWIFTOPT_HP_WEIGHT_DECAY = 4,
    SWIFTOPT_HP_NESTEROV = 5,
    SWIFTOPT_HP_MAXIMIZE = 6,
    SWIFTOPT_HP_LR_DECAY = 7,
    SWIFTOPT_HP_INITIAL_ACCUMULATOR_VALUE = 8,
    SWIFTOPT_HP_EPS = 9,
    SWIFTOPT_HP_ALPHA = 10,
    SWIFTOPT_HP_CENTERED = 11,
    SWIFTOPT_HP_BETA1 = 12,
    SWIFTOPT_HP_BETA2 = 13,
    SWIFTOPT_HP_AMSGRAD = 14,
    SWIFTOPT_HP_DECOUPLED_WEIGHT_DECAY = 15,
    SWIFTOPT_HP_L1 = 16,
    SWIFTOPT_HP_MAX_GRAD_NORM = 17,
    SWIFTOPT_HP_CLIP_VALUE = 18
};

/** Flags returned by swiftopt_algorithm_hyperparameter_info(). */
enum {
    /** The value is a boolean: 0.0 or 1.0. */
    SWIFTOPT_HP_FLAG_BOOLEAN = 1,
    /** The lower bound itself is not allowed (e.g. eps > 0). */
    SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE = 2,
    /** The upper bound itself is not allowed (e.g. beta1 < 1). */
    SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE = 4
};

/**
 * Per-parameter state tensors, named as in torch's optimizer `state`. Each
 * has the parameter's dtype and element count.
 *
 * | code | name            | used by                                  | initial value |
 * |------|-----------------|------------------------------------------|---------------|
 * | 1    | momentum_buffer | SGD and RMSprop with momentum > 0        | SGD: the first gradient; RMSprop: 0 |
 * | 2    | sum             | Adagrad                                  | initial_accumulator_value |
 * | 3    | square_avg      | RMSprop                                  | 0             |
 * | 4    | grad_avg        | RMSprop with centered                    | 0             |
 * | 5    | exp_avg         | Adam, AdamW                              | 0             |
 * | 6    | exp_avg_sq      | Adam, AdamW                              | 0             |
 * | 7    | max_exp_avg_sq  | Adam, AdamW with amsgrad                 | 0             |
 *
 * Besides these tensors every parameter has a step count (torch's `step`):
 * the number of updates applied to it.
 */
enum {
    SWIFTOPT_STATE_MOMENTUM_BUFFER = 1,
    SWIFTOPT_STATE_SUM = 2,
    SWIFTOPT_STATE_SQUARE_AVG = 3,
    SWIFTOPT_STATE_GRAD_AVG = 4,
    SWIFTOPT_STATE_EXP_AVG = 5,
    SWIFTOPT_STATE_EXP_AVG_SQ = 6,
    SWIFTOPT_STATE_MAX_EXP_AVG_SQ = 7
};

/**
 * Returns the name of an algorithm ("sgd", "adagrad", "rmsprop", "adam",
 * "adamw"), or NULL for an unknown code. Static; thread-safe.
 */
const char *swiftopt_algorithm_name(int32_t algorithm);

/**
 * Looks up an algorithm by name, ASCII case-insensitively ("adam", "Adam",
 * "AdamW", "SGD", ...). On success stores the code in *out_algorithm.
 * Errors: NULL_POINTER (name or out_algorithm NULL), UNKNOWN_ALGORITHM.
 * Thread-safe.
 */
int32_t swiftopt_algorithm_from_name(const char *name, int32_t *out_algorithm);

/**
 * Returns the name of a hyperparameter ("lr", "weight_decay", ...), or NULL
 * for an unknown code. Static; thread-safe.
 */
const char *swiftopt_hyperparameter_name(int32_t hyperparameter);

/**
 * Looks up a hyperparameter by its exact name ("lr", "beta1", ...). On
 * success stores the code in *out_hyperparameter.
 * Errors: NULL_POINTER, UNKNOWN_HYPERPARAMETER. Thread-safe.
 */
int32_t swiftopt_hyperparameter_from_name(const char *name, int32_t *out_hyperparameter);

/**
 * Returns the name of a state kind ("exp_avg", "momentum_buffer", ...), or
 * NULL for an unknown code. Static; thread-safe.
 */
const char *swiftopt_state_name(int32_t state);

/**
 * Lists the hyperparameters an algorithm uses, in the order its
 * SWIFTOPT_ALGORITHM_* comment lists them (torch's constructor order, e.g.
 * Adam: lr, beta1, beta2, eps, weight_decay, amsgrad, maximize). Writes up to `capacity` codes to out_hyperparameters and the total
 * number to *out_count. out_hyperparameters may be NULL when capacity is 0
 * (to query the count).
 * Errors: NULL_POINTER (out_count NULL, or out_hyperparameters NULL with
 * capacity > 0), INVALID_ARGUMENT (capacity < 0), UNKNOWN_ALGORITHM,
 * BUFFER_TOO_SMALL (capacity < count; *out_count is still set).
 * Thread-safe.
 */
int32_t swiftopt_algorithm_hyperparameters(int32_t algorithm, int32_t *out_hyperparameters,
                                           int64_t capacity, int64_t *out_count);

/**
 * Describes one hyperparameter of an algorithm: its default value, its
 * bounds (lower and upper; upper is +infinity when unbounded) and its flags
 * (SWIFTOPT_HP_FLAG_*). Each out-pointer may be NULL to skip it.
 * Errors: UNKNOWN_ALGORITHM, UNKNOWN_HYPERPARAMETER (unknown code, or not
 * used by the algorithm). Thread-safe.
 */
int32_t swiftopt_algorithm_hyperparameter_info(int32_t algorithm, int32_t hyperparameter,
                                               double *out_default, double *out_min,
                                               double *out_max, uint32_t *out_flags);

/* ------------------------------------------------------------------------ */
/* Optimizers                                                               */
/* ------------------------------------------------------------------------ */

/** Opaque optimizer handle. */
typedef struct swiftopt_optimizer swiftopt_optimizer;

/**
 * Creates an optimizer running `algorithm` (SWIFTOPT_ALGORITHM_*), with one
 * parameter group (index 0) holding the algorithm's default hyperparameters
 * and no parameters. On success stores a new handle in *out_optimizer; the
 * caller owns it and releases it with swiftopt_optimizer_free().
 * Errors: NULL_POINTER, UNKNOWN_ALGORITHM, OUT_OF_MEMORY. Thread-safe.
 */
int32_t swiftopt_optimizer_create(int32_t algorithm, swiftopt_optimizer **out_optimizer);

/**
 * Frees an optimizer and the state it allocated (never the caller's
 * parameter buffers). NULL is a harmless no-op returning SWIFTOPT_OK.
 * Freeing a handle twice returns INVALID_HANDLE and does nothing else.
 * A call running on the same handle in another thread finishes first.
 */
int32_t swiftopt_optimizer_free(swiftopt_optimizer *optimizer);

/**
 * Stores the optimizer's algorithm code in *out_algorithm.
 * Errors: NULL_POINTER, INVALID_HANDLE.
 */
int32_t swiftopt_optimizer_algorithm(swiftopt_optimizer *optimizer, int32_t *out_algorithm);

/**
 * Adds a parameter group with the algorithm's default hyperparameters and
 * stores its index (1, 2, ...) in *out_group (may be NULL).
 * Errors: NULL_POINTER (optimizer), INVALID_HANDLE, OUT_OF_MEMORY.
 */
int32_t swiftopt_optimizer_add_group(swiftopt_optimizer *optimizer, int64_t *out_group);

/**
 * Stores the number of parameter groups (at least 1) in *out_count.
 * Errors: NULL_POINTER, INVALID_HANDLE.
 */
int32_t swiftopt_optimizer_group_count(swiftopt_optimizer *optimizer, int64_t *out_count);

/**
 * Sets a hyperparameter of one group. The new value is used from the next
 * step on (so learning-rate schedules work by setting lr before each step).
 * Changing initial_accumulator_value affects parameters registered later.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE (group),
 * UNKNOWN_HYPERPARAMETER (unknown code or not used by the algorithm),
 * OUT_OF_BOUNDS (NaN, infinite, outside the bounds, non-boolean for a
 * boolean), INCOMPATIBLE_OPTIONS (nesterov without momentum > 0 and
 * dampening == 0). On error the group is unchanged.
 */
int32_t swiftopt_optimizer_set_hyperparameter(swiftopt_optimizer *optimizer, int64_t group,
                                              int32_t hyperparameter, double value);

/**
 * Reads a hyperparameter of one group into *out_value.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE,
 * UNKNOWN_HYPERPARAMETER.
 */
int32_t swiftopt_optimizer_get_hyperparameter(swiftopt_optimizer *optimizer, int64_t group,
                                              int32_t hyperparameter, double *out_value);

/**
 * Lists the state tensors each parameter of `group` has under the group's
 * current options (e.g. Adam: exp_avg, exp_avg_sq, plus max_exp_avg_sq with
 * amsgrad), as SWIFTOPT_STATE_* codes in a fixed order. This order is the
 * layout of the `states` array of swiftopt_optimizer_step_tensors().
 * Writes up to `capacity` codes and the total number to *out_count;
 * out_states may be NULL when capacity is 0.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE, INVALID_ARGUMENT
 * (capacity < 0), BUFFER_TOO_SMALL (*out_count is still set).
 */
int32_t swiftopt_optimizer_state_kinds(swiftopt_optimizer *optimizer, int64_t group,
                                       int32_t *out_states, int64_t capacity,
                                       int64_t *out_count);

/**
 * Stores in *out_norm the global L2 norm of `group`'s gradients before
 * clipping, as measured by the group's last step with max_grad_norm > 0
 * (NaN when no such step has run). A non-finite norm means some gradient
 * was NaN or infinite.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE.
 */
int32_t swiftopt_optimizer_grad_norm(swiftopt_optimizer *optimizer, int64_t group,
                                     double *out_norm);

/* ---- library-owned state ------------------------------------------------ */

/**
 * Registers a parameter buffer of `count` elements of `dtype` in `group`.
 * The optimizer allocates the parameter's state tensors (with torch's
 * initial values) and updates `data` in place at each step. The caller keeps
 * ownership of `data`, which must stay valid until the optimizer is freed.
 * Stores the parameter's index (0, 1, ... in registration order) in
 * *out_param (may be NULL).
 * Errors: NULL_POINTER (optimizer, data), INVALID_HANDLE, INDEX_OUT_OF_RANGE
 * (group), DTYPE_MISMATCH (unknown dtype), INVALID_ARGUMENT (count <= 0,
 * data misaligned, size overflow), OUT_OF_MEMORY.
 */
int32_t swiftopt_optimizer_add_param(swiftopt_optimizer *optimizer, int64_t group, int32_t dtype,
                                     void *data, int64_t count, int64_t *out_param);

/**
 * Stores the number of registered parameters in *out_count.
 * Errors: NULL_POINTER, INVALID_HANDLE.
 */
int32_t swiftopt_optimizer_param_count(swiftopt_optimizer *optimizer, int64_t *out_count);

/**
 * Describes a registered parameter: its group, dtype and element count.
 * Each out-pointer may be NULL to skip it.
 * Errors: NULL_POINTER (optimizer), INVALID_HANDLE, INDEX_OUT_OF_RANGE.
 */
int32_t swiftopt_optimizer_param_info(swiftopt_optimizer *optimizer, int64_t param,
                                      int64_t *out_group, int32_t *out_dtype,
                                      int64_t *out_count);

/**
 * Performs one optimization step on every registered parameter.
 * `grads[i]` points to the gradient of parameter i (same dtype and count);
 * a NULL entry skips that parameter (its state and step count are unchanged,
 * as torch skips a parameter whose .grad is None). `n_grads` must equal the
 * number of registered parameters. Each group's current hyperparameters are
 * used. Allocates nothing in steady state.
 * Errors: NULL_POINTER (optimizer, grads), INVALID_HANDLE, NO_PARAMETERS,
 * SIZE_MISMATCH (n_grads), INVALID_ARGUMENT (n_grads < 0, misaligned
 * gradient, a stepped parameter's step count is INT64_MAX), OUT_OF_MEMORY (state needed by a changed option could not be
 * allocated). Everything is validated before anything is written.
 */
int32_t swiftopt_optimizer_step(swiftopt_optimizer *optimizer, const void *const *grads,
                                int64_t n_grads);

/**
 * Copies state tensor `state` of parameter `param` into `out` (`count`
 * elements of the parameter's dtype; count must equal the parameter's).
 * Before the parameter's first step the tensor holds its initial value.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE, UNKNOWN_STATE
 * (not used by the parameter's group under its current options),
 * SIZE_MISMATCH, INVALID_ARGUMENT (misaligned).
 */
int32_t swiftopt_optimizer_get_state(swiftopt_optimizer *optimizer, int64_t param, int32_t state,
                                     void *out, int64_t count);

/**
 * Overwrites state tensor `state` of parameter `param` from `values` (`count`
 * elements of the parameter's dtype), e.g. to restore a checkpoint.
 * Errors: as swiftopt_optimizer_get_state().
 */
int32_t swiftopt_optimizer_set_state(swiftopt_optimizer *optimizer, int64_t param, int32_t state,
                                     const void *values, int64_t count);

/**
 * Stores the step count of parameter `param` in *out_step.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE.
 */
int32_t swiftopt_optimizer_get_step(swiftopt_optimizer *optimizer, int64_t param,
                                    int64_t *out_step);

/**
 * Sets the step count of parameter `param` (e.g. to restore a checkpoint).
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE, INVALID_ARGUMENT
 * (step < 0).
 */
int32_t swiftopt_optimizer_set_step(swiftopt_optimizer *optimizer, int64_t param, int64_t step);

/* ---- caller-owned state ------------------------------------------------- */

/**
 * Performs one optimization step on `n_tensors` caller-owned tensors with
 * the hyperparameters of `group`. All tensors have element type `dtype`.
 * For tensor i:
 *   params[i]  parameter buffer, counts[i] elements, updated in place;
 *   grads[i]   its gradient, counts[i] elements, read only;
 *   states[i * states_per_tensor + j]  its state tensor of kind
 *              swiftopt_optimizer_state_kinds(group)[j], counts[i] elements,
 *              updated in place (torch's per-parameter state, so a runtime
 *              can pass its own `exp_avg`, `exp_avg_sq`, ...);
 *   steps[i]   its step count (torch's `step`), read and incremented.
 * `states_per_tensor` must equal the count swiftopt_optimizer_state_kinds()
 * reports for the group; `states` may be NULL when it is 0 (plain SGD).
 * State tensors start at the initial values in the state table; SGD's
 * momentum_buffer is initialized from the gradient when steps[i] == 0.
 * Registered parameters are not touched. Allocates nothing.
 * Errors: NULL_POINTER (optimizer, any array, any entry), INVALID_HANDLE,
 * INDEX_OUT_OF_RANGE (group), INVALID_ARGUMENT (n_tensors <= 0, counts[i]
 * <= 0, steps[i] < 0 or == INT64_MAX, misaligned buffer), DTYPE_MISMATCH (unknown dtype),
 * SIZE_MISMATCH (states_per_tensor). Everything is validated before anything
 * is written.
 */
int32_t swiftopt_optimizer_step_tensors(swiftopt_optimizer *optimizer, int64_t group,
                                        int32_t dtype, int64_t n_tensors, void *const *params,
                                        const void *const *grads, const int64_t *counts,
                                        void *const *states, int64_t states_per_tensor,
                                        int64_t *steps);

/* ------------------------------------------------------------------------ */
/* Gradient clipping (standalone)                                           */
/* ------------------------------------------------------------------------ */

/**
 * torch.nn.utils.clip_grad_norm_: scales `n_tensors` gradient buffers of
 * `dtype` in place (grads[i] has counts[i] elements) so that their global
 * `norm_type`-norm is at most `max_norm`:
 *     total = ‖concat(grads)‖_p,  g ← g · min(max_norm / (total + 1e-6), 1).
 * `norm_type` is any p >= 1, or INFINITY for the max norm. Norms are
 * accumulated in double in a fixed order. Stores the total norm before
 * clipping in *out_total_norm (may be NULL). A NaN or infinite total scales
 * the gradients by NaN, as torch does by default: check the norm.
 * Errors: NULL_POINTER (grads, counts, an entry), INVALID_ARGUMENT
 * (n_tensors <= 0, counts[i] <= 0, misaligned), DTYPE_MISMATCH,
 * OUT_OF_BOUNDS (max_norm < 0 or not finite, norm_type < 1 or NaN).
 * Thread-safe for distinct buffers.
 */
int32_t swiftopt_clip_grad_norm(int32_t dtype, int64_t n_tensors, void *const *grads,
                                const int64_t *counts, double max_norm, double norm_type,
                                double *out_total_norm);

/**
 * torch.nn.utils.clip_grad_value_: clamps every element of `n_tensors`
 * gradient buffers of `dtype` to [-clip_value, clip_value] in place.
 * Errors: NULL_POINTER, INVALID_ARGUMENT (n_tensors <= 0, counts[i] <= 0,
 * misaligned), DTYPE_MISMATCH, OUT_OF_BOUNDS (clip_value < 0 or not
 * finite). Thread-safe for distinct buffers.
 */
int32_t swiftopt_clip_grad_value(int32_t dtype, int64_t n_tensors, void *const *grads,
                                 const int64_t *counts, double clip_value);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SWIFTOPT_H */
