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
 * For callers without an autograd engine, stateless loss functions (MSE,
 * L1, Huber, smooth L1, hinge, binary and softmax cross-entropy, NLL) and
 * regularization penalties (L1, L2, elastic net) compute a loss and its
 * gradient into caller buffers; see "Loss functions" below.
 *
 * Learning-rate schedules (`swiftopt_schedule`: torch.optim.lr_scheduler's
 * kinds, plus inverse-square-root and inverse-time decay) give the lr at each
 * step; attached to a parameter group, one sets the group's lr at every step.
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
    /** The algorithm (or schedule kind) code or name is not known. */
    SWIFTOPT_ERROR_UNKNOWN_ALGORITHM = 4,
    /** The hyperparameter (or schedule parameter) code or name is not known, or not used by this algorithm (kind). */
    SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER = 5,
    /** A hyperparameter or loss/penalty option is NaN, infinite or outside its documented bounds. */
    SWIFTOPT_ERROR_OUT_OF_BOUNDS = 6,
    /** Hyperparameters conflict (e.g. nesterov with momentum 0 or dampening != 0). */
    SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS = 7,
    /** The dtype code is unknown, or differs from the parameter's dtype. */
    SWIFTOPT_ERROR_DTYPE_MISMATCH = 8,
    /** An element count or array length differs from what the optimizer holds. */
    SWIFTOPT_ERROR_SIZE_MISMATCH = 9,
    /** A group or parameter index, or a loss's class-index target, is out of range. */
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
    SWIFTOPT_ERROR_INTERNAL = 15,
    /**
     * The bytes are not a checkpoint this library can read: wrong magic,
     * unsupported format version, wrong size or checksum, truncated or
     * invalid contents (see "Checkpoints").
     */
    SWIFTOPT_ERROR_CORRUPT_DATA = 16
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
/* Runtime: CPU level and threads                                           */
/* ------------------------------------------------------------------------ */

/*
 * The library carries its update kernels compiled for several CPU levels and
 * runs the best one the CPU supports, chosen once when first needed. The
 * environment variable SWIFTOPT_CPU_LEVEL ("baseline", "x86-64-v3" or
 * "avx2", "x86-64-v4" or "avx512"), read at that moment, or
 * swiftopt_set_cpu_level() selects a lower one. Every level gives the same
 * results bit for bit (no FMA contraction): the level changes only speed.
 *
 * Steps run on a persistent, process-wide thread pool: the tensors of one
 * step are spread over its threads, a large tensor is split in chunks, and a
 * small step stays on the calling thread. Its size (the calling thread
 * included) is SWIFTOPT_NUM_THREADS, read when the pool is first used, else
 * the number of online cores; swiftopt_set_num_threads() changes it. Results
 * are bit-identical whatever the number of threads. One step uses the pool
 * at a time: a step that finds it busy runs on its own thread.
 *
 * The setters are process-wide: call them between steps, not while another
 * thread is inside the library.
 */

/** CPU levels. Values are fixed and never renumbered. */
enum {
    /** The architecture's baseline (x86-64: SSE2; every other architecture). */
    SWIFTOPT_CPU_LEVEL_BASELINE = 1,
    /** x86-64-v3: AVX2, FMA, BMI2; 256-bit vectors. */
    SWIFTOPT_CPU_LEVEL_X86_64_V3 = 2,
    /** x86-64-v4: AVX-512 F/BW/DQ/VL; 512-bit vectors. */
    SWIFTOPT_CPU_LEVEL_X86_64_V4 = 3
};

/** Returns the level the kernels run at (SWIFTOPT_CPU_LEVEL_*). Never fails. */
int32_t swiftopt_cpu_level(void);

/** Returns the best level this CPU supports (SWIFTOPT_CPU_LEVEL_*). Never fails. */
int32_t swiftopt_cpu_level_supported(void);

/**
 * Runs the kernels at `level`; 0 restores the default (SWIFTOPT_CPU_LEVEL if
 * it names a supported level, else the best supported one).
 * Errors: INVALID_ARGUMENT for an unknown level or one above
 * swiftopt_cpu_level_supported(); the level is then unchanged.
 */
int32_t swiftopt_set_cpu_level(int32_t level);

/**
 * Returns the static name of a level: "baseline", "x86-64-v3", "x86-64-v4";
 * NULL for an unknown code. Never fails; do not free.
 */
const char *swiftopt_cpu_level_name(int32_t level);

/** Returns the number of threads a step may use, the calling thread included. Never fails. */
int32_t swiftopt_num_threads(void);

/**
 * Sets the number of threads a step may use, the calling thread included;
 * 0 restores the default (SWIFTOPT_NUM_THREADS, else the number of online
 * cores). Waits for a step in progress on the pool, then stops the old
 * workers; new ones start on the next step that needs them.
 * Errors: OUT_OF_BOUNDS outside [0, 1024]; the size is then unchanged.
 */
int32_t swiftopt_set_num_threads(int32_t count);

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
 * | 19   | skip_nonfinite            | all                        | 0 (off)          | {0, 1}      |
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
 *  - skip_nonfinite = 1 skips the group's step when any element of the
 *    gradients of the group's tensors stepped in that call is NaN or ±inf
 *    (what torch's GradScaler does for mixed-precision training): the
 *    group's parameters, state tensors and step counts are left exactly as
 *    they were, the skip is counted (swiftopt_optimizer_skipped_steps(),
 *    swiftopt_optimizer_last_step_skipped()), and the call still returns
 *    SWIFTOPT_OK. Other groups of the same swiftopt_optimizer_step() call
 *    are stepped normally. The check is exact (every element, either
 *    dtype) and read-only; with max_grad_norm on it rides on the norm pass
 *    (a second pass only when the norm comes out non-finite), otherwise it
 *    is one extra read-only pass over the gradients. The group's
 *    grad_norm is still recorded (non-finite for a skipped step). A group's
 *    attached schedule advances on a skipped step as on any other (torch's
 *    scheduler.step() is called whether or not GradScaler skipped
 *    optimizer.step()). With skip_nonfinite 0 (the default), a NaN or inf
 *    gradient propagates into the parameters and state, as in torch.
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
    SWIFTOPT_HP_CLIP_VALUE = 18,
    SWIFTOPT_HP_SKIP_NONFINITE = 19
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
 * Adam: lr, beta1, beta2, eps, weight_decay, amsgrad, maximize). Writes up
 * to `capacity` codes to out_hyperparameters and the total number to
 * *out_count. out_hyperparameters may be NULL when capacity is 0
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
 * dampening == 0; lr while a schedule is attached to the group, see
 * swiftopt_optimizer_attach_schedule()). On error the group is unchanged.
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

/**
 * Stores in *out_count the number of steps of `group` skipped because a
 * gradient held a NaN or an infinity (skip_nonfinite = 1), since the group
 * was created: one per swiftopt_optimizer_step() or
 * swiftopt_optimizer_step_tensors() call that skipped the group.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE.
 */
int32_t swiftopt_optimizer_skipped_steps(swiftopt_optimizer *optimizer, int64_t group,
                                         int64_t *out_count);

/**
 * Stores in *out_skipped 1 when the group's last step was skipped because a
 * gradient held a NaN or an infinity (skip_nonfinite = 1), else 0. The
 * group's last step is the last swiftopt_optimizer_step() call that had a
 * gradient for at least one of its parameters, or the last
 * swiftopt_optimizer_step_tensors() call on it; 0 before any.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE.
 */
int32_t swiftopt_optimizer_last_step_skipped(swiftopt_optimizer *optimizer, int64_t group,
                                             int32_t *out_skipped);

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
 * used. A group with skip_nonfinite = 1 and a NaN or infinite gradient
 * element is skipped (see "Regularization and clipping"): its parameters,
 * state and step counts are unchanged and the call returns SWIFTOPT_OK.
 * Allocates nothing in steady state.
 * Errors: NULL_POINTER (optimizer, grads), INVALID_HANDLE, NO_PARAMETERS,
 * SIZE_MISMATCH (n_grads), INVALID_ARGUMENT (n_grads < 0, misaligned
 * gradient, a stepped parameter's step count is INT64_MAX), OUT_OF_MEMORY
 * (state needed by a changed option could not be allocated). Everything is
 * validated before anything is written.
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
 * With the group's skip_nonfinite = 1, the tensors of one call are one unit:
 * when any element of any grads[i] is NaN or ±inf, no params[i], state
 * tensor or steps[i] is written, the skip is counted for the group, and the
 * call returns SWIFTOPT_OK.
 * Registered parameters are not touched. Allocates nothing.
 * Errors: NULL_POINTER (optimizer, any array, any entry), INVALID_HANDLE,
 * INDEX_OUT_OF_RANGE (group), INVALID_ARGUMENT (n_tensors <= 0, counts[i]
 * <= 0, steps[i] < 0 or == INT64_MAX, misaligned buffer), DTYPE_MISMATCH
 * (unknown dtype), SIZE_MISMATCH (states_per_tensor). Everything is
 * validated before anything is written.
 */
int32_t swiftopt_optimizer_step_tensors(swiftopt_optimizer *optimizer, int64_t group,
                                        int32_t dtype, int64_t n_tensors, void *const *params,
                                        const void *const *grads, const int64_t *counts,
                                        void *const *states, int64_t states_per_tensor,
                                        int64_t *steps);

/* ------------------------------------------------------------------------ */
/* Loss functions                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Each loss function computes a loss and, optionally, its gradient with
 * respect to the input, with torch.nn.functional's name, formula and
 * semantics. They are stateless: no handle, nothing allocated, nothing kept.
 *
 * Conventions shared by every loss function:
 *
 *   dtype      SWIFTOPT_DTYPE_FLOAT32 or SWIFTOPT_DTYPE_FLOAT64: the element
 *              type of input, target (except class-index targets, which are
 *              int64_t), weights, out_loss and out_grad.
 *   shapes     element-wise losses take `count` elements; the others take an
 *              (n, c) matrix stored row-major (sample i, class j at i*c + j).
 *   reduction  SWIFTOPT_REDUCTION_*: NONE writes one loss per element (per
 *              sample for cross_entropy and nll_loss), MEAN and SUM write one.
 *   out_loss   required: `count` (or n) elements for NONE, 1 element for
 *              MEAN and SUM, of dtype.
 *   out_grad   optional (NULL: loss only): receives d loss / d input, the
 *              input's shape, overwritten. For NONE it is the gradient of the
 *              sum of the losses (torch's backward with a gradient of ones).
 *   precision  every element is computed in double whatever the dtype, sums
 *              are accumulated in double with compensated summation, and each
 *              result is rounded once to dtype; fp32 results are therefore
 *              at least as accurate as torch's fp32 ones. Log-softmax uses
 *              log-sum-exp and sigmoid terms use softplus/log1p forms, so
 *              logits of +-1e4 and probability targets of exactly 0 or 1 give
 *              finite losses and gradients. NaN inputs propagate.
 *   errors     NULL_POINTER (a required pointer is NULL), DTYPE_MISMATCH
 *              (unknown dtype), INVALID_ARGUMENT (count, n or c <= 0, byte
 *              size overflow, unknown reduction, misaligned buffer),
 *              OUT_OF_BOUNDS (delta, beta or label_smoothing NaN, infinite or
 *              outside its bounds), plus the errors listed per function. On
 *              error nothing is written.
 *   memory     the caller owns every buffer; buffers must be aligned to their
 *              element size (int64_t targets to 8 bytes) and must not
 *              overlap, except that input and target may be the same buffer.
 *   threads    thread-safe and reentrant; concurrent calls may share read-only
 *              buffers but not output buffers.
 *
 * Example: softmax cross-entropy of a batch of 32 samples over 10 classes,
 * its mean loss and the gradient to back-propagate:
 *
 *     float logits[32 * 10], grad[32 * 10], loss;
 *     int64_t labels[32];
 *     int32_t status = swiftopt_cross_entropy(SWIFTOPT_DTYPE_FLOAT32, 32, 10, logits, labels,
 *                                             NULL, -100, 0.0, SWIFTOPT_REDUCTION_MEAN,
 *                                             &loss, grad);
 */

/** Reductions of a loss function (torch's `reduction` argument). */
enum {
    /** One loss per element (per sample for cross_entropy and nll_loss). */
    SWIFTOPT_REDUCTION_NONE = 1,
    /** The mean of the losses (torch's default; a weighted mean where documented). */
    SWIFTOPT_REDUCTION_MEAN = 2,
    /** The sum of the losses. */
    SWIFTOPT_REDUCTION_SUM = 3
};

/**
 * Mean squared error (torch `mse_loss`) of `count` elements:
 *   l_i = (x_i - y_i)^2,   d l_i / d x_i = 2 (x_i - y_i).
 * MEAN divides the sum by count. Errors: the common ones.
 */
int32_t swiftopt_mse_loss(int32_t dtype, int64_t count, const void *input, const void *target,
                          int32_t reduction, void *out_loss, void *out_grad);

/**
 * Mean absolute error (torch `l1_loss`) of `count` elements:
 *   l_i = |x_i - y_i|,   d l_i / d x_i = sign(x_i - y_i), with sign(0) = 0.
 * MEAN divides the sum by count. Errors: the common ones.
 */
int32_t swiftopt_l1_loss(int32_t dtype, int64_t count, const void *input, const void *target,
                         int32_t reduction, void *out_loss, void *out_grad);

/**
 * Huber loss (torch `huber_loss`) of `count` elements, d = x_i - y_i:
 *   l_i = d^2 / 2                  if |d| < delta,
 *         delta (|d| - delta / 2)  otherwise;
 *   d l_i / d x_i = d clipped to [-delta, delta].
 * `delta` (torch default 1.0) must be finite and > 0. MEAN divides by count.
 * Errors: the common ones; OUT_OF_BOUNDS (delta).
 */
int32_t swiftopt_huber_loss(int32_t dtype, int64_t count, const void *input, const void *target,
                            double delta, int32_t reduction, void *out_loss, void *out_grad);

/**
 * Smooth L1 loss (torch `smooth_l1_loss`) of `count` elements, d = x_i - y_i:
 *   l_i = d^2 / (2 beta)    if |d| < beta,
 *         |d| - beta / 2    otherwise;
 *   d l_i / d x_i = d / beta clipped to [-1, 1].
 * `beta` (torch default 1.0) must be finite and >= 0; beta = 0 gives
 * swiftopt_l1_loss, as in torch. MEAN divides by count.
 * Errors: the common ones; OUT_OF_BOUNDS (beta).
 */
int32_t swiftopt_smooth_l1_loss(int32_t dtype, int64_t count, const void *input,
                                const void *target, double beta, int32_t reduction,
                                void *out_loss, void *out_grad);

/**
 * Binary hinge loss (the linear SVM loss) of `count` elements, with targets
 * y_i of exactly -1 or +1:
 *   l_i = max(0, 1 - y_i x_i),
 *   d l_i / d x_i = -y_i if 1 - y_i x_i > 0, else 0 (0 at the kink, as relu).
 * torch.nn.functional has no function of this form; it equals
 * torch.relu(1 - y * x) with autograd. MEAN divides by count.
 * Errors: the common ones; INVALID_ARGUMENT (a target other than -1 or +1).
 */
int32_t swiftopt_hinge_loss(int32_t dtype, int64_t count, const void *input, const void *target,
                            int32_t reduction, void *out_loss, void *out_grad);

/**
 * Binary cross-entropy on logits (torch `binary_cross_entropy_with_logits`)
 * of an (n, c) input x with targets y in [0, 1] (not checked, as in torch):
 *   l_ij = -w_ij [p_j y_ij log sigmoid(x_ij) + (1 - y_ij) log(1 - sigmoid(x_ij))]
 *   d l_ij / d x_ij = w_ij [(1 - y_ij) sigmoid(x_ij) - p_j y_ij sigmoid(-x_ij)]
 * computed with softplus forms, finite for any finite logit.
 *   weight      NULL (all 1) or n*c elements: torch's `weight`, broadcast by
 *               the caller to the input's shape.
 *   pos_weight  NULL (all 1) or c elements, one per column: torch's
 *               `pos_weight`. For a 1-D input of `count` logits pass n =
 *               count, c = 1; pos_weight is then one scalar.
 * MEAN divides the sum by n*c. Errors: the common ones.
 */
int32_t swiftopt_binary_cross_entropy_with_logits(int32_t dtype, int64_t n, int64_t c,
                                                  const void *input, const void *target,
                                                  const void *weight, const void *pos_weight,
                                                  int32_t reduction, void *out_loss,
                                                  void *out_grad);

/**
 * Softmax cross-entropy with class-index targets (torch `cross_entropy`) of
 * logits x of shape (n, c) and targets t (n int64_t values, each in [0, c)
 * or equal to ignore_index). With p = softmax(x_i), class weights w and
 * label smoothing e, for a sample that is not ignored:
 *   l_i = (1 - e) (-w_t log p_t) + (e / c) sum_j (-w_j log p_j)
 *   d l_i / d x_ij = (1 - e) w_t (p_j - [j == t]) + (e / c) (p_j sum_k w_k - w_j)
 * and l_i = 0, gradient row 0 for an ignored sample.
 *   weight           NULL (all 1) or c elements of dtype (torch's `weight`).
 *   ignore_index     target value to ignore (torch's default is -100); it
 *                    may also be a valid class, which is then ignored.
 *   label_smoothing  in [0, 1] (torch's default 0.0).
 * MEAN divides the sum by sum_i w_{t_i} over the samples not ignored
 * (torch's weighted mean; the number of such samples without weights); when
 * every sample is ignored that is 0/0 and the loss is NaN (the gradient 0),
 * as in torch. NONE writes n losses.
 * Errors: the common ones; INDEX_OUT_OF_RANGE (a target outside [0, c) that
 * is not ignore_index); NULL_POINTER (target).
 */
int32_t swiftopt_cross_entropy(int32_t dtype, int64_t n, int64_t c, const void *input,
                               const int64_t *target, const void *weight, int64_t ignore_index,
                               double label_smoothing, int32_t reduction, void *out_loss,
                               void *out_grad);

/**
 * Softmax cross-entropy with class-probability targets (torch
 * `cross_entropy` given a floating-point target) of logits x and targets y,
 * both (n, c) of dtype (rows of y are not checked to sum to 1, as in torch).
 * With p = softmax(x_i), class weights w and smoothed targets
 * y'_ij = (1 - e) y_ij + e / c:
 *   l_i = -sum_j w_j y'_ij log p_j
 *   d l_i / d x_ij = p_j sum_k w_k y'_ik - w_j y'_ij
 * A zero (smoothed) target contributes 0 whatever its logit.
 *   weight           NULL (all 1) or c elements of dtype.
 *   label_smoothing  in [0, 1].
 * MEAN divides the sum by n (weights do not enter the denominator here, as
 * in torch). NONE writes n losses. Errors: the common ones.
 */
int32_t swiftopt_cross_entropy_probs(int32_t dtype, int64_t n, int64_t c, const void *input,
                                     const void *target, const void *weight,
                                     double label_smoothing, int32_t reduction, void *out_loss,
                                     void *out_grad);

/**
 * Negative log-likelihood (torch `nll_loss`) of log-probabilities x of shape
 * (n, c) (e.g. a log-softmax output) and class-index targets t as in
 * swiftopt_cross_entropy:
 *   l_i = -w_t x_it (0 if ignored),
 *   d l_i / d x_ij = -w_t if j == t, else 0.
 * weight: NULL or c elements. MEAN divides by sum_i w_{t_i} over the samples
 * not ignored (NaN when all are ignored, as in torch). NONE writes n losses.
 * Errors: the common ones; INDEX_OUT_OF_RANGE (target); NULL_POINTER (target).
 */
int32_t swiftopt_nll_loss(int32_t dtype, int64_t n, int64_t c, const void *input,
                          const int64_t *target, const void *weight, int64_t ignore_index,
                          int32_t reduction, void *out_loss, void *out_grad);

/* ---- penalties ----------------------------------------------------------- */

/*
 * Regularization penalties for callers who add them to their loss. Each
 * computes the penalty of one parameter tensor theta (`count` elements of
 * dtype) into *out_value (a double, required) and, when `grad` is not NULL,
 * ADDS the penalty's gradient to `grad` (count elements of dtype):
 * grad += d penalty / d theta, so a buffer holding d loss / d theta becomes
 * the gradient of loss + penalty. For several tensors, call once per tensor
 * and add the values.
 *
 *   l1_penalty           lambda sum_i |theta_i|        grad += lambda sign(theta_i)
 *   l2_penalty           lambda / 2 sum_i theta_i^2    grad += lambda theta_i
 *   elastic_net_penalty  l1_lambda sum_i |theta_i| + l2_lambda / 2 sum_i theta_i^2
 *                        grad += l1_lambda sign(theta_i) + l2_lambda theta_i
 *
 * with sign(0) = 0. L2 carries the factor 1/2 so that its gradient
 * lambda theta is exactly torch.optim's coupled weight_decay = lambda.
 * Coefficients must be finite and >= 0. Sums are accumulated in double
 * with compensation; each gradient element is updated with one rounding.
 * Errors: NULL_POINTER (params, out_value), DTYPE_MISMATCH, INVALID_ARGUMENT
 * (count <= 0, size overflow, misaligned buffer), OUT_OF_BOUNDS (a
 * coefficient). On error nothing is written. grad must not overlap params.
 * Thread-safe; allocates nothing.
 */

/** L1 penalty lambda * sum |theta_i|; see "penalties" above. */
int32_t swiftopt_l1_penalty(int32_t dtype, int64_t count, const void *params, double lambda,
                            double *out_value, void *grad);

/** L2 penalty lambda / 2 * sum theta_i^2; see "penalties" above. */
int32_t swiftopt_l2_penalty(int32_t dtype, int64_t count, const void *params, double lambda,
                            double *out_value, void *grad);

/**
 * Elastic-net penalty l1_lambda * sum |theta_i| + l2_lambda / 2 * sum
 * theta_i^2; see "penalties" above. (scikit-learn's ElasticNet(alpha,
 * l1_ratio) penalty is l1_lambda = alpha * l1_ratio, l2_lambda = alpha *
 * (1 - l1_ratio).)
 */
int32_t swiftopt_elastic_net_penalty(int32_t dtype, int64_t count, const void *params,
                                     double l1_lambda, double l2_lambda, double *out_value,
                                     void *grad);

/* ------------------------------------------------------------------------ */
/* Learning-rate schedules                                                  */
/* ------------------------------------------------------------------------ */

/*
 * A schedule (`swiftopt_schedule`) gives the learning rate at each step with
 * the semantics of torch.optim.lr_scheduler: swiftopt_schedule_value(s,
 * base_lr, t, &lr) is the lr that torch's scheduler of the same class sets
 * after t calls to scheduler.step(), for a group whose lr was base_lr when
 * the scheduler was created (torch's `initial_lr`). Values are closed forms
 * (torch's `_get_closed_form_lr` expressions, or the closed form equal to its
 * recursive `get_lr`), so any step can be asked for in any order.
 * ReduceLROnPlateau is the exception: it is driven by metrics and stateful
 * (swiftopt_schedule_step_metric()).
 *
 * A schedule can be used two ways:
 *   1. asked for values, e.g. by a binding that sets lr itself (the Python
 *      `swiftopt.lr_scheduler` classes hold one schedule each);
 *   2. attached to an optimizer group (swiftopt_optimizer_attach_schedule()):
 *      the group's lr then follows the schedule at every step, with no call
 *      from the caller.
 *
 * Parameters are set one at a time with swiftopt_schedule_set_param(), keyed
 * by SWIFTOPT_SCHEDULE_PARAM_*, and validated against the table below when
 * set; parameters torch requires (no default) must be set before the first
 * value is asked for. Steps are counted from 0.
 *
 * Threads: calls on one schedule are serialized by a lock inside the handle;
 * different schedules run in parallel.
 */

/** Opaque schedule handle. */
typedef struct swiftopt_schedule swiftopt_schedule;

/**
 * Schedule kinds. η₀ is the base lr, t the step (number of scheduler steps
 * taken), P the parameters below. Names are torch.optim.lr_scheduler's
 * classes; CONSTANT, INVERSE_SQRT and INVERSE_TIME are not in torch.
 */
enum {
    /** "Constant": η_t = η₀. */
    SWIFTOPT_SCHEDULE_CONSTANT = 1,
    /** "ConstantLR": η₀·factor for t < total_iters, then η₀. */
    SWIFTOPT_SCHEDULE_CONSTANT_LR = 2,
    /** "LinearLR": η₀·(start_factor + (end_factor − start_factor)·min(t, total_iters)/total_iters). */
    SWIFTOPT_SCHEDULE_LINEAR_LR = 3,
    /** "StepLR": η₀·gamma^⌊t/step_size⌋. */
    SWIFTOPT_SCHEDULE_STEP_LR = 4,
    /** "MultiStepLR": η₀·gamma^(number of milestones ≤ t); milestones via swiftopt_schedule_set_milestones(). */
    SWIFTOPT_SCHEDULE_MULTI_STEP_LR = 5,
    /** "ExponentialLR": η₀·gamma^t. */
    SWIFTOPT_SCHEDULE_EXPONENTIAL_LR = 6,
    /** "PolynomialLR": η₀·(1 − min(t, total_iters)/total_iters)^power. */
    SWIFTOPT_SCHEDULE_POLYNOMIAL_LR = 7,
    /**
     * "CosineAnnealingLR": eta_min + (η₀ − eta_min)·(1 + cos(π·t/T_max))/2 for
     * every t (past T_max the cosine rises again, as torch's recursion does).
     */
    SWIFTOPT_SCHEDULE_COSINE_ANNEALING_LR = 8,
    /**
     * "CosineAnnealingWarmRestarts" (SGDR, Loshchilov & Hutter):
     * eta_min + (η₀ − eta_min)·(1 + cos(π·T_cur/T_i))/2, where T_i is T_0,
     * T_0·T_mult, T_0·T_mult², … and T_cur counts steps since the last restart.
     */
    SWIFTOPT_SCHEDULE_COSINE_ANNEALING_WARM_RESTARTS = 9,
    /**
     * "OneCycleLR": anneals (cos or linear) from max_lr/div_factor up to
     * max_lr over pct_start·total_steps steps, then down to
     * max_lr/div_factor/final_div_factor (three_phase: back to
     * max_lr/div_factor first, as torch). Ignores base_lr. Steps past
     * total_steps give INDEX_OUT_OF_RANGE (torch raises too). Momentum is not
     * cycled.
     */
    SWIFTOPT_SCHEDULE_ONE_CYCLE_LR = 10,
    /**
     * "CyclicLR": cycles between base_lr and max_lr (torch's formula) with
     * mode triangular, triangular2 or exp_range. Ignores the base_lr argument
     * of swiftopt_schedule_value() (its own base_lr parameter is torch's).
     * Momentum is not cycled.
     */
    SWIFTOPT_SCHEDULE_CYCLIC_LR = 11,
    /**
     * "SequentialLR": children (swiftopt_schedule_add_child()) one after
     * another, switching at milestones (one fewer than children, strictly
     * increasing): at step t the child i = number of milestones ≤ t gives its
     * value at t − milestones[i−1] (torch's SequentialLR, which restarts each
     * child at step 0). All children share the base lr. Children may be
     * SequentialLR (torch cannot switch into a nested SequentialLR).
     */
    SWIFTOPT_SCHEDULE_SEQUENTIAL_LR = 12,
    /**
     * "ReduceLROnPlateau": multiplies lr by factor once the metric has not
     * improved for more than patience steps (torch's rules, see
     * swiftopt_schedule_step_metric()). Has no value per step.
     */
    SWIFTOPT_SCHEDULE_REDUCE_LR_ON_PLATEAU = 13,
    /**
     * "InverseSqrtLR": linear warmup then inverse-square-root decay, with
     * k = decay_rate and w = warmup_steps:
     *   η_t = η₀·t/w                      for t < w,
     *   η_t = η₀ / (1 + k·(√t − √w))      for t ≥ w.
     * With w = 0 this is η₀/(1 + k·√t) (the "dynamic" decay, default k = 1).
     * With k = 1/√w it is η₀·√(w/t) after warmup: the Transformer-style
     * schedule of fairseq's inverse_sqrt and Hugging Face's
     * get_inverse_sqrt_schedule (both also warm up as η₀·t/w).
     */
    SWIFTOPT_SCHEDULE_INVERSE_SQRT = 14,
    /**
     * "InverseTimeLR" (Keras's InverseTimeDecay): η_t = η₀ / (1 + k·t/T) with
     * k = decay_rate, T = decay_steps; with staircase, t/T becomes ⌊t/T⌋.
     */
    SWIFTOPT_SCHEDULE_INVERSE_TIME = 15
};

/**
 * Schedule parameters, named as torch's constructor arguments (Keras's for
 * InverseTimeLR). Integer parameters take whole values; "required" means
 * torch has no default: the value is NaN until set, and
 * swiftopt_schedule_value() fails with INVALID_ARGUMENT until it is set.
 *
 * | code | name             | kinds: default                                  | bounds |
 * |------|------------------|-------------------------------------------------|--------|
 * | 1    | factor           | ConstantLR 1/3; ReduceLROnPlateau 0.1           | ConstantLR [0, 1]; Plateau [0, 1) |
 * | 2    | total_iters      | ConstantLR, LinearLR, PolynomialLR 5            | integer >= 1 |
 * | 3    | start_factor     | LinearLR 1/3                                    | (0, 1] |
 * | 4    | end_factor       | LinearLR 1                                      | [0, 1] |
 * | 5    | step_size        | StepLR required                                 | integer >= 1 |
 * | 6    | gamma            | StepLR, MultiStepLR 0.1; ExponentialLR required; CyclicLR 1 | (0, inf) |
 * | 7    | power            | PolynomialLR 1                                  | [0, inf) |
 * | 8    | T_max            | CosineAnnealingLR required                      | integer >= 1 |
 * | 9    | eta_min          | CosineAnnealingLR, CosineAnnealingWarmRestarts 0 | [0, inf) |
 * | 10   | T_0              | CosineAnnealingWarmRestarts required            | integer >= 1 |
 * | 11   | T_mult           | CosineAnnealingWarmRestarts 1                   | integer >= 1 |
 * | 12   | max_lr           | OneCycleLR, CyclicLR required                   | [0, inf) |
 * | 13   | total_steps      | OneCycleLR required                             | integer >= 1 |
 * | 14   | pct_start        | OneCycleLR 0.3                                  | [0, 1] |
 * | 15   | anneal_strategy  | OneCycleLR 0 (SWIFTOPT_ANNEAL_*)                | {0, 1} |
 * | 16   | div_factor       | OneCycleLR 25                                   | (0, inf) |
 * | 17   | final_div_factor | OneCycleLR 1e4                                  | (0, inf) |
 * | 18   | three_phase      | OneCycleLR 0                                    | {0, 1} |
 * | 19   | base_lr          | CyclicLR required                               | [0, inf) |
 * | 20   | step_size_up     | CyclicLR 2000                                   | integer >= 1 |
 * | 21   | step_size_down   | CyclicLR -1 (= step_size_up, torch's None)      | integer >= -1 |
 * | 22   | mode             | CyclicLR 0 (SWIFTOPT_CYCLIC_*); ReduceLROnPlateau 0 (SWIFTOPT_PLATEAU_*) | CyclicLR {0, 1, 2}; Plateau {0, 1} |
 * | 23   | scale_mode       | CyclicLR 0 (SWIFTOPT_CYCLIC_SCALE_*)            | {0, 1, 2} |
 * | 24   | patience         | ReduceLROnPlateau 10                            | integer >= 0 |
 * | 25   | threshold        | ReduceLROnPlateau 1e-4                          | [0, inf) |
 * | 26   | threshold_mode   | ReduceLROnPlateau 0 (SWIFTOPT_THRESHOLD_*)      | {0, 1} |
 * | 27   | cooldown         | ReduceLROnPlateau 0                             | integer >= 0 |
 * | 28   | min_lr           | ReduceLROnPlateau 0                             | [0, inf) |
 * | 29   | eps              | ReduceLROnPlateau 1e-8                          | [0, inf) |
 * | 30   | decay_rate       | InverseSqrtLR 1; InverseTimeLR required         | [0, inf) |
 * | 31   | warmup_steps     | InverseSqrtLR 0                                 | integer >= 0 |
 * | 32   | decay_steps      | InverseTimeLR required                          | (0, inf) |
 * | 33   | staircase        | InverseTimeLR 0                                 | {0, 1} |
 *
 * All values must be finite; integers are at most 2^53.
 * swiftopt_schedule_param_info() returns these facts at run time.
 */
enum {
    SWIFTOPT_SCHEDULE_PARAM_FACTOR = 1,
    SWIFTOPT_SCHEDULE_PARAM_TOTAL_ITERS = 2,
    SWIFTOPT_SCHEDULE_PARAM_START_FACTOR = 3,
    SWIFTOPT_SCHEDULE_PARAM_END_FACTOR = 4,
    SWIFTOPT_SCHEDULE_PARAM_STEP_SIZE = 5,
    SWIFTOPT_SCHEDULE_PARAM_GAMMA = 6,
    SWIFTOPT_SCHEDULE_PARAM_POWER = 7,
    SWIFTOPT_SCHEDULE_PARAM_T_MAX = 8,
    SWIFTOPT_SCHEDULE_PARAM_ETA_MIN = 9,
    SWIFTOPT_SCHEDULE_PARAM_T_0 = 10,
    SWIFTOPT_SCHEDULE_PARAM_T_MULT = 11,
    SWIFTOPT_SCHEDULE_PARAM_MAX_LR = 12,
    SWIFTOPT_SCHEDULE_PARAM_TOTAL_STEPS = 13,
    SWIFTOPT_SCHEDULE_PARAM_PCT_START = 14,
    SWIFTOPT_SCHEDULE_PARAM_ANNEAL_STRATEGY = 15,
    SWIFTOPT_SCHEDULE_PARAM_DIV_FACTOR = 16,
    SWIFTOPT_SCHEDULE_PARAM_FINAL_DIV_FACTOR = 17,
    SWIFTOPT_SCHEDULE_PARAM_THREE_PHASE = 18,
    SWIFTOPT_SCHEDULE_PARAM_BASE_LR = 19,
    SWIFTOPT_SCHEDULE_PARAM_STEP_SIZE_UP = 20,
    SWIFTOPT_SCHEDULE_PARAM_STEP_SIZE_DOWN = 21,
    SWIFTOPT_SCHEDULE_PARAM_MODE = 22,
    SWIFTOPT_SCHEDULE_PARAM_SCALE_MODE = 23,
    SWIFTOPT_SCHEDULE_PARAM_PATIENCE = 24,
    SWIFTOPT_SCHEDULE_PARAM_THRESHOLD = 25,
    SWIFTOPT_SCHEDULE_PARAM_THRESHOLD_MODE = 26,
    SWIFTOPT_SCHEDULE_PARAM_COOLDOWN = 27,
    SWIFTOPT_SCHEDULE_PARAM_MIN_LR = 28,
    SWIFTOPT_SCHEDULE_PARAM_EPS = 29,
    SWIFTOPT_SCHEDULE_PARAM_DECAY_RATE = 30,
    SWIFTOPT_SCHEDULE_PARAM_WARMUP_STEPS = 31,
    SWIFTOPT_SCHEDULE_PARAM_DECAY_STEPS = 32,
    SWIFTOPT_SCHEDULE_PARAM_STAIRCASE = 33
};

/** Values of OneCycleLR's anneal_strategy (torch's "cos", "linear"). */
enum { SWIFTOPT_ANNEAL_COS = 0, SWIFTOPT_ANNEAL_LINEAR = 1 };

/** Values of CyclicLR's mode (torch's "triangular", "triangular2", "exp_range"). */
enum { SWIFTOPT_CYCLIC_TRIANGULAR = 0, SWIFTOPT_CYCLIC_TRIANGULAR2 = 1, SWIFTOPT_CYCLIC_EXP_RANGE = 2 };

/**
 * Values of CyclicLR's scale_mode. BY_MODE is torch's behaviour for its
 * built-in modes: per cycle for triangular and triangular2, per iteration for
 * exp_range (torch ignores its scale_mode argument unless scale_fn is given).
 */
enum { SWIFTOPT_CYCLIC_SCALE_BY_MODE = 0, SWIFTOPT_CYCLIC_SCALE_CYCLE = 1, SWIFTOPT_CYCLIC_SCALE_ITERATIONS = 2 };

/** Values of ReduceLROnPlateau's mode (torch's "min", "max"). */
enum { SWIFTOPT_PLATEAU_MIN = 0, SWIFTOPT_PLATEAU_MAX = 1 };

/** Values of ReduceLROnPlateau's threshold_mode (torch's "rel", "abs"). */
enum { SWIFTOPT_THRESHOLD_REL = 0, SWIFTOPT_THRESHOLD_ABS = 1 };

/** Extra flags returned by swiftopt_schedule_param_info(), besides SWIFTOPT_HP_FLAG_*. */
enum {
    /** The value must be a whole number. */
    SWIFTOPT_SCHEDULE_PARAM_FLAG_INTEGER = 8,
    /** torch has no default: the parameter must be set (its default reads as NaN). */
    SWIFTOPT_SCHEDULE_PARAM_FLAG_REQUIRED = 16
};

/**
 * Returns the name of a schedule kind ("StepLR", "CosineAnnealingWarmRestarts",
 * "InverseSqrtLR", ...), or NULL for an unknown code. Static; thread-safe.
 */
const char *swiftopt_schedule_kind_name(int32_t kind);

/**
 * Looks up a schedule kind by name, ASCII case-insensitively ("StepLR",
 * "steplr"). On success stores the code in *out_kind.
 * Errors: NULL_POINTER, UNKNOWN_ALGORITHM (unknown name). Thread-safe.
 */
int32_t swiftopt_schedule_kind_from_name(const char *name, int32_t *out_kind);

/**
 * Returns the name of a schedule parameter ("T_max", "max_lr", ...), or NULL
 * for an unknown code. Static; thread-safe.
 */
const char *swiftopt_schedule_param_name(int32_t param);

/**
 * Looks up a schedule parameter by its exact name. On success stores the
 * code in *out_param.
 * Errors: NULL_POINTER, UNKNOWN_HYPERPARAMETER. Thread-safe.
 */
int32_t swiftopt_schedule_param_from_name(const char *name, int32_t *out_param);

/**
 * Lists the parameters a kind uses, in the order of the table above. Writes
 * up to `capacity` codes to out_params and the total number to *out_count;
 * out_params may be NULL when capacity is 0.
 * Errors: NULL_POINTER, INVALID_ARGUMENT (capacity < 0), UNKNOWN_ALGORITHM
 * (unknown kind), BUFFER_TOO_SMALL (*out_count is still set). Thread-safe.
 */
int32_t swiftopt_schedule_kind_params(int32_t kind, int32_t *out_params, int64_t capacity,
                                      int64_t *out_count);

/**
 * Describes one parameter of a kind: its default (NaN when required), its
 * bounds and its flags (SWIFTOPT_HP_FLAG_* and SWIFTOPT_SCHEDULE_PARAM_FLAG_*).
 * Each out-pointer may be NULL to skip it.
 * Errors: UNKNOWN_ALGORITHM (kind), UNKNOWN_HYPERPARAMETER (unknown code or
 * not used by the kind). Thread-safe.
 */
int32_t swiftopt_schedule_param_info(int32_t kind, int32_t param, double *out_default,
                                     double *out_min, double *out_max, uint32_t *out_flags);

/**
 * Creates a schedule of `kind` (SWIFTOPT_SCHEDULE_*) with torch's default
 * parameters, no milestones and no children. On success stores a new handle
 * in *out_schedule; the caller owns it and releases it with
 * swiftopt_schedule_free().
 * Errors: NULL_POINTER, UNKNOWN_ALGORITHM (unknown kind), OUT_OF_MEMORY.
 * Thread-safe.
 */
int32_t swiftopt_schedule_create(int32_t kind, swiftopt_schedule **out_schedule);

/**
 * Frees a schedule. Copies of it (attached to optimizer groups, or children
 * of a SequentialLR) are independent and stay. NULL is a harmless no-op
 * returning SWIFTOPT_OK. Freeing a handle twice, or passing an optimizer
 * handle, returns INVALID_HANDLE and does nothing else.
 */
int32_t swiftopt_schedule_free(swiftopt_schedule *schedule);

/**
 * Stores the schedule's kind code in *out_kind.
 * Errors: NULL_POINTER, INVALID_HANDLE.
 */
int32_t swiftopt_schedule_kind(swiftopt_schedule *schedule, int32_t *out_kind);

/**
 * Sets a parameter (SWIFTOPT_SCHEDULE_PARAM_*).
 * Errors: NULL_POINTER, INVALID_HANDLE, UNKNOWN_HYPERPARAMETER (unknown code
 * or not used by this kind), OUT_OF_BOUNDS (NaN, infinite, outside the
 * bounds, not whole for an integer). On error the schedule is unchanged.
 */
int32_t swiftopt_schedule_set_param(swiftopt_schedule *schedule, int32_t param, double value);

/**
 * Reads a parameter into *out_value (NaN for a required parameter not set yet).
 * Errors: NULL_POINTER, INVALID_HANDLE, UNKNOWN_HYPERPARAMETER.
 */
int32_t swiftopt_schedule_get_param(swiftopt_schedule *schedule, int32_t param, double *out_value);

/**
 * Sets the milestones of a MultiStepLR (steps at which lr is multiplied by
 * gamma; non-decreasing, a repeated milestone decays twice as in torch) or of
 * a SequentialLR (steps at which the next child starts; strictly
 * increasing). Milestones are >= 0. `milestones` may be NULL when count is 0.
 * The array is copied.
 * Errors: NULL_POINTER, INVALID_HANDLE, INVALID_ARGUMENT (count < 0),
 * UNKNOWN_HYPERPARAMETER (the kind has no milestones), OUT_OF_BOUNDS
 * (negative or out of order). On error the schedule is unchanged.
 */
int32_t swiftopt_schedule_set_milestones(swiftopt_schedule *schedule, const int64_t *milestones,
                                         int64_t count);

/**
 * Copies the milestones into out_milestones (up to `capacity`) and their
 * number into *out_count; out_milestones may be NULL when capacity is 0.
 * Errors: NULL_POINTER, INVALID_HANDLE, INVALID_ARGUMENT (capacity < 0),
 * UNKNOWN_HYPERPARAMETER (the kind has no milestones), BUFFER_TOO_SMALL
 * (*out_count is still set).
 */
int32_t swiftopt_schedule_get_milestones(swiftopt_schedule *schedule, int64_t *out_milestones,
                                         int64_t capacity, int64_t *out_count);

/**
 * Appends a copy of `child` (as it is now) to the children of a SequentialLR.
 * Later changes to `child` do not affect the copy; `child` stays owned by the
 * caller. The child must be complete (its required parameters set; a
 * SequentialLR child must have its children and milestones) and must not be
 * ReduceLROnPlateau; nesting is limited to 8 levels.
 * Errors: NULL_POINTER, INVALID_HANDLE (either handle), INVALID_ARGUMENT
 * (`sequential` is not a SequentialLR, `child` is `sequential`, child
 * incomplete, nesting too deep), INCOMPATIBLE_OPTIONS (ReduceLROnPlateau),
 * SIZE_MISMATCH (a SequentialLR child's milestones do not match its children).
 */
int32_t swiftopt_schedule_add_child(swiftopt_schedule *sequential, swiftopt_schedule *child);

/**
 * Stores the number of children (0 for kinds other than SequentialLR) in
 * *out_count. Errors: NULL_POINTER, INVALID_HANDLE.
 */
int32_t swiftopt_schedule_child_count(swiftopt_schedule *schedule, int64_t *out_count);

/**
 * Stores in *out_lr the learning rate at `step` (after `step` calls to
 * torch's scheduler.step()) for base learning rate `base_lr` (torch's
 * initial_lr: the group's lr when the scheduler was created; OneCycleLR and
 * CyclicLR ignore it). Does not change the schedule.
 * Errors: NULL_POINTER, INVALID_HANDLE, OUT_OF_BOUNDS (base_lr negative or
 * not finite; the value is not finite, e.g. gamma^step overflowed),
 * INVALID_ARGUMENT (step < 0; a required parameter unset; SequentialLR
 * without children; ReduceLROnPlateau, which has no value per step),
 * SIZE_MISMATCH (SequentialLR milestones != children − 1),
 * INDEX_OUT_OF_RANGE (OneCycleLR step > total_steps), INCOMPATIBLE_OPTIONS
 * (a OneCycleLR phase of zero length reached, where torch divides by zero).
 */
int32_t swiftopt_schedule_value(swiftopt_schedule *schedule, double base_lr, int64_t step,
                                double *out_lr);

/**
 * Stores the learning rates at steps first_step, first_step + 1, ...,
 * first_step + count − 1 in out_lrs[0..count) (as count calls of
 * swiftopt_schedule_value(), in one call). out_lrs may be NULL when count is
 * 0. On error out_lrs is left untouched.
 * Errors: as swiftopt_schedule_value(), plus INVALID_ARGUMENT (count < 0,
 * first_step + count overflows).
 */
int32_t swiftopt_schedule_values(swiftopt_schedule *schedule, double base_lr, int64_t first_step,
                                 int64_t count, double *out_lrs);

/**
 * One ReduceLROnPlateau step (torch's scheduler.step(metrics)) for a
 * scheduler over `n_lrs` parameter groups: records `metric` once and stores
 * in out_lrs[i] the lr group i uses from now on, given its current lr
 * current_lrs[i]. `min_lrs` (n_lrs values, torch's list min_lr) may be NULL
 * to use the min_lr parameter for every group. out_lrs may be current_lrs.
 * As torch: the metric improves on the best one when
 * metric < best·(1 − threshold) (min, rel), metric < best − threshold (min,
 * abs), metric > best·(1 + threshold) (max, rel) or
 * metric > best + threshold (max, abs); a NaN metric never improves. During
 * cooldown bad steps are not counted; after more than `patience` bad steps
 * each lr becomes max(lr·factor, min_lr) if that lowers it by more than eps,
 * and cooldown starts.
 * Errors: NULL_POINTER (schedule, current_lrs, out_lrs), INVALID_HANDLE,
 * INVALID_ARGUMENT (not ReduceLROnPlateau, n_lrs < 1), OUT_OF_BOUNDS (an lr
 * or min lr negative or not finite). On error the state and out_lrs are
 * unchanged.
 */
int32_t swiftopt_schedule_step_metric(swiftopt_schedule *schedule, double metric, int64_t n_lrs,
                                      const double *current_lrs, const double *min_lrs,
                                      double *out_lrs);

/**
 * Reads ReduceLROnPlateau's state (torch's best, num_bad_epochs,
 * cooldown_counter, last_epoch); best is +inf (min) or −inf (max) before the
 * first metric. Each out-pointer may be NULL to skip it.
 * Errors: NULL_POINTER (schedule), INVALID_HANDLE, INVALID_ARGUMENT (not
 * ReduceLROnPlateau).
 */
int32_t swiftopt_schedule_plateau_state(swiftopt_schedule *schedule, double *out_best,
                                        int64_t *out_num_bad_epochs,
                                        int64_t *out_cooldown_counter, int64_t *out_last_epoch);

/**
 * Restores ReduceLROnPlateau's state (e.g. from a checkpoint). best may be
 * ±inf but not NaN; the counters must be >= 0.
 * Errors: NULL_POINTER, INVALID_HANDLE, INVALID_ARGUMENT (not
 * ReduceLROnPlateau), OUT_OF_BOUNDS. On error the state is unchanged.
 */
int32_t swiftopt_schedule_set_plateau_state(swiftopt_schedule *schedule, double best,
                                            int64_t num_bad_epochs, int64_t cooldown_counter,
                                            int64_t last_epoch);

/* ---- schedules attached to optimizer groups ------------------------------ */

/**
 * Attaches a copy of `schedule` (as it is now) to `group`, so that its lr
 * follows the schedule with torch's order (optimizer.step() then
 * scheduler.step()): each swiftopt_optimizer_step() (every group) or
 * swiftopt_optimizer_step_tensors() (its group) first sets the group's lr to
 * the schedule's value at the group's schedule step (0 right after
 * attaching), performs the update, then advances the schedule step and sets
 * lr to the next value. A step skipped by skip_nonfinite advances the
 * schedule step too, as torch's scheduler.step() after a step GradScaler
 * skipped. The base lr is the group's lr when attaching, or the
 * base lr of the schedule being replaced (torch keeps a group's initial_lr).
 * On success lr is already the value at step 0 (ReduceLROnPlateau: lr is
 * unchanged; it changes only through
 * swiftopt_optimizer_step_schedule_metric()).
 *
 * The copy is independent: later changes to `schedule`, or freeing it, do not
 * affect the group. While a schedule is attached,
 * swiftopt_optimizer_set_hyperparameter(SWIFTOPT_HP_LR) fails with
 * INCOMPATIBLE_OPTIONS; change the base lr with
 * swiftopt_optimizer_set_schedule_state(). A step whose scheduled lr cannot
 * be computed (OneCycleLR past total_steps, a negative value) fails with the
 * schedule's error and changes nothing.
 * Errors: NULL_POINTER, INVALID_HANDLE (either handle), INDEX_OUT_OF_RANGE
 * (group), and the errors of swiftopt_schedule_value() at step 0 (an
 * incomplete schedule, ...). On error nothing changes.
 */
int32_t swiftopt_optimizer_attach_schedule(swiftopt_optimizer *optimizer, int64_t group,
                                           swiftopt_schedule *schedule);

/**
 * Detaches the group's schedule; lr keeps its current value. A group with no
 * schedule is left as it is (SWIFTOPT_OK).
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE.
 */
int32_t swiftopt_optimizer_detach_schedule(swiftopt_optimizer *optimizer, int64_t group);

/**
 * Describes the group's attached schedule: *out_attached is 1 or 0; the base
 * lr and the schedule step (the step whose lr the next optimizer step uses)
 * are stored when attached. Each out-pointer may be NULL to skip it.
 * Errors: NULL_POINTER (optimizer), INVALID_HANDLE, INDEX_OUT_OF_RANGE.
 */
int32_t swiftopt_optimizer_schedule_state(swiftopt_optimizer *optimizer, int64_t group,
                                          int32_t *out_attached, double *out_base_lr,
                                          int64_t *out_step);

/**
 * Sets the base lr and the schedule step of the group's attached schedule
 * (e.g. to resume from a checkpoint) and lr to the value at that step
 * (ReduceLROnPlateau: lr unchanged).
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE, INVALID_ARGUMENT
 * (no schedule attached, step < 0), OUT_OF_BOUNDS (base_lr negative or not
 * finite), and the errors of swiftopt_schedule_value() at that step. On error
 * nothing changes.
 */
int32_t swiftopt_optimizer_set_schedule_state(swiftopt_optimizer *optimizer, int64_t group,
                                              double base_lr, int64_t step);

/**
 * Creates a new schedule handle holding a copy of the group's attached
 * schedule (with ReduceLROnPlateau's current state), e.g. to save it. The
 * caller owns the new handle.
 * Errors: NULL_POINTER, INVALID_HANDLE, INDEX_OUT_OF_RANGE, INVALID_ARGUMENT
 * (no schedule attached), OUT_OF_MEMORY.
 */
int32_t swiftopt_optimizer_get_schedule(swiftopt_optimizer *optimizer, int64_t group,
                                        swiftopt_schedule **out_schedule);

/**
 * Feeds `metric` to the ReduceLROnPlateau attached to `group` (see
 * swiftopt_schedule_step_metric()), setting the group's lr. Stores the lr
 * afterwards in *out_lr (may be NULL).
 * Errors: NULL_POINTER (optimizer), INVALID_HANDLE, INDEX_OUT_OF_RANGE,
 * INVALID_ARGUMENT (no ReduceLROnPlateau attached to the group). On error
 * nothing changes.
 */
int32_t swiftopt_optimizer_step_schedule_metric(swiftopt_optimizer *optimizer, int64_t group,
                                                double metric, double *out_lr);

/* ------------------------------------------------------------------------ */
/* Checkpoints                                                              */
/* ------------------------------------------------------------------------ */

/*
 * A checkpoint is the whole state of an optimizer in one self-describing byte
 * string: the algorithm; every group's hyperparameters (stored by code, so
 * that a later library with more hyperparameters reads old checkpoints, the
 * new ones at their defaults), its last gradient norm, its skip_nonfinite
 * counters (swiftopt_optimizer_skipped_steps(), _last_step_skipped()) and its attached
 * schedule (the schedule itself, with its parameters, milestones, children
 * and ReduceLROnPlateau state, its base lr and its step); every registered
 * parameter's dtype, element count, group, step count and state tensors
 * (kind, whether SGD's momentum_buffer holds a value, raw elements). It does
 * not hold the parameter values, which belong to the caller (as torch's
 * optimizer.state_dict() does not hold the model's weights): save them
 * yourself. Caller-owned state (swiftopt_optimizer_step_tensors()) is the
 * caller's too.
 *
 * Typical use: swiftopt_optimizer_checkpoint_size(), allocate, then
 * swiftopt_optimizer_save(); later, build an optimizer the same way (same
 * algorithm, same number of groups, the same parameters registered in the same
 * order) and call swiftopt_optimizer_load(). Continuing from there gives
 * bit for bit the parameters of an uninterrupted run.
 *
 * Format (version 1): every field little-endian, fixed width, unaligned; f64
 * is an IEEE-754 binary64 bit pattern.
 *
 *   header      "SWOPTCK\0"; u32 format version (1); u32 reserved (0);
 *               u64 total size in bytes; u32 algorithm; u32 group count G;
 *               u64 parameter count P; u64 offset of the parameter records
 *   G groups    u32 count H, H x {u32 SWIFTOPT_HP_* code, f64 value};
 *               f64 last gradient norm; i64 steps skipped by skip_nonfinite;
 *               u32 last step skipped (0, 1); u32 schedule attached (0, 1); if 1:
 *               f64 base lr, i64 schedule step, a schedule record
 *   schedule    u32 SWIFTOPT_SCHEDULE_* kind; u32 count S, S x {u32
 *               SWIFTOPT_SCHEDULE_PARAM_* code, f64 value} (the parameters
 *               set); u32 count M, M x i64 milestones; u32 count C, C child
 *               schedule records; u8 plateau best set (0, 1), f64 best,
 *               i64 num_bad_epochs, i64 cooldown_counter, i64 last_epoch
 *   P params    u32 dtype; u32 group; i64 element count N; i64 step count;
 *               u32 count T, T x {u32 SWIFTOPT_STATE_* kind, u32 flags (bit 0:
 *               holds a value), N elements of dtype}
 *   trailer     u32 CRC-32 (IEEE, as zlib's crc32()) of every byte before it
 *
 * The format version changes only when old readers could misread a file; a
 * library reads the versions up to its own.
 */

/**
 * Stores in *out_size the size in bytes of the checkpoint that
 * swiftopt_optimizer_save() would write now (it changes with the registered
 * parameters, options such as amsgrad, and attached schedules).
 * Errors: NULL_POINTER, INVALID_HANDLE.
 */
int32_t swiftopt_optimizer_checkpoint_size(swiftopt_optimizer *optimizer, int64_t *out_size);

/**
 * Writes the optimizer's checkpoint (see above) to the start of `buffer`, of
 * `capacity` bytes, and its size to *out_size (may be NULL). `buffer` may be
 * NULL when capacity is 0 (to query the size, as
 * swiftopt_optimizer_checkpoint_size()). The optimizer is not changed.
 * Errors: NULL_POINTER (optimizer; buffer with capacity > 0), INVALID_HANDLE,
 * INVALID_ARGUMENT (capacity < 0), BUFFER_TOO_SMALL (capacity below the
 * size: nothing is written, but *out_size is still set), OUT_OF_MEMORY.
 */
int32_t swiftopt_optimizer_save(swiftopt_optimizer *optimizer, void *buffer, int64_t capacity,
                                int64_t *out_size);

/**
 * Restores a checkpoint written by swiftopt_optimizer_save() from the `size`
 * bytes at `data`: every group's hyperparameters, gradient norm and attached
 * schedule (replacing the group's own), every registered parameter's step
 * count and state tensors. Parameter values are not touched. The optimizer
 * must run the same algorithm, have the same number of groups and the same
 * parameters registered in the same order, each with the same dtype, element
 * count and group (groups are not created). Everything is checked before
 * anything changes.
 * Errors: NULL_POINTER (optimizer, data), INVALID_HANDLE, INVALID_ARGUMENT
 * (size < 0; the checkpoint is of another algorithm; a parameter was saved
 * in another group), SIZE_MISMATCH (another number of groups or parameters;
 * another element count), DTYPE_MISMATCH (another dtype), CORRUPT_DATA (not
 * a checkpoint: wrong magic, a format version this library does not read,
 * wrong size or checksum, truncated or invalid contents), OUT_OF_MEMORY.
 * On error the optimizer is unchanged.
 */
int32_t swiftopt_optimizer_load(swiftopt_optimizer *optimizer, const void *data, int64_t size);

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
