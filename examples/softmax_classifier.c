/*
 * softmax_classifier.c — a C training loop that writes no optimizer code:
 * swiftopt supplies the loss (softmax cross-entropy with label smoothing and
 * its gradient), the learning-rate schedule (linear warmup, then cosine
 * decay, attached to the optimizer so the lr follows it at every step) and
 * gradient clipping (max_grad_norm, applied inside the step).
 *
 * The model is a linear softmax classifier on 2-D points from three
 * Gaussian clusters generated here with a fixed seed; the program prints the
 * loss, the learning rate, the gradient norm before clipping and the
 * accuracy per epoch, and exits non-zero unless the classifier reaches 90%.
 *
 *     make examples && build/softmax_classifier
 */
#include <swiftopt.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 600      /* points */
#define C 3        /* classes */
#define D 2        /* features */
#define BATCH 50
#define EPOCHS 12

static double xs[N][D];
static int64_t labels[N];

static void check(int32_t status, const char *what) {
    if (status == SWIFTOPT_OK) return;
    char message[512];
    swiftopt_last_error_message(message, sizeof message);
    fprintf(stderr, "%s failed: %s: %s\n", what, swiftopt_status_name(status), message);
    exit(1);
}

/* Deterministic uniform numbers in (0, 1) (xorshift64*) and normals (Box–Muller). */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static double uniform(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((rng_state * 2685821657736338717u) >> 11) * (1.0 / 9007199254740992.0) + 1e-300;
}
static double normal(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }

static void make_clusters(void) {
    const double centers[C][D] = {{2, 0}, {-1, 1.7}, {-1, -1.7}};
    for (int i = 0; i < N; i++) {
        labels[i] = i % C;
        for (int d = 0; d < D; d++) xs[i][d] = centers[i % C][d] + 0.8 * normal();
    }
}

/* logits[k] = w[k] · x + b[k] for the rows [start, start + n). */
static void forward(const double w[C][D], const double b[C], int start, int n, double logits[][C]) {
    for (int i = 0; i < n; i++)
        for (int k = 0; k < C; k++)
            logits[i][k] = b[k] + w[k][0] * xs[start + i][0] + w[k][1] * xs[start + i][1];
}

static double accuracy(const double w[C][D], const double b[C]) {
    static double logits[N][C];
    forward(w, b, 0, N, logits);
    int right = 0;
    for (int i = 0; i < N; i++) {
        int best = 0;
        for (int k = 1; k < C; k++)
            if (logits[i][k] > logits[i][best]) best = k;
        right += best == labels[i];
    }
    return (double)right / N;
}

/* A SequentialLR: LinearLR(start_factor 0.1, total_iters warmup), then
 * CosineAnnealingLR(T_max total - warmup), switching at step `warmup`. */
static swiftopt_schedule *warmup_cosine(int64_t warmup, int64_t total) {
    swiftopt_schedule *linear = NULL, *cosine = NULL, *sequence = NULL;
    check(swiftopt_schedule_create(SWIFTOPT_SCHEDULE_LINEAR_LR, &linear), "create LinearLR");
    check(swiftopt_schedule_set_param(linear, SWIFTOPT_SCHEDULE_PARAM_START_FACTOR, 0.1), "start_factor");
    check(swiftopt_schedule_set_param(linear, SWIFTOPT_SCHEDULE_PARAM_TOTAL_ITERS, (double)warmup),
          "total_iters");
    check(swiftopt_schedule_create(SWIFTOPT_SCHEDULE_COSINE_ANNEALING_LR, &cosine), "create cosine");
    check(swiftopt_schedule_set_param(cosine, SWIFTOPT_SCHEDULE_PARAM_T_MAX, (double)(total - warmup)),
          "T_max");
    check(swiftopt_schedule_create(SWIFTOPT_SCHEDULE_SEQUENTIAL_LR, &sequence), "create SequentialLR");
    check(swiftopt_schedule_add_child(sequence, linear), "add LinearLR");
    check(swiftopt_schedule_add_child(sequence, cosine), "add cosine");
    check(swiftopt_schedule_set_milestones(sequence, &warmup, 1), "milestones");
    /* The sequence holds copies of its children. */
    check(swiftopt_schedule_free(linear), "free");
    check(swiftopt_schedule_free(cosine), "free");
    return sequence;
}

int main(void) {
    make_clusters();
    double w[C][D] = {{0}}, b[C] = {0};
    double gw[C][D], gb[C];

    swiftopt_optimizer *opt = NULL;
    check(swiftopt_optimizer_create(SWIFTOPT_ALGORITHM_SGD, &opt), "create optimizer");
    check(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_LR, 0.5), "lr");
    check(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_MOMENTUM, 0.9), "momentum");
    check(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_MAX_GRAD_NORM, 1.0), "max_grad_norm");
    check(swiftopt_optimizer_add_param(opt, 0, SWIFTOPT_DTYPE_FLOAT64, w, C * D, NULL), "add w");
    check(swiftopt_optimizer_add_param(opt, 0, SWIFTOPT_DTYPE_FLOAT64, b, C, NULL), "add b");

    const int64_t steps_per_epoch = N / BATCH, total = EPOCHS * steps_per_epoch;
    swiftopt_schedule *schedule = warmup_cosine(steps_per_epoch, total);
    check(swiftopt_optimizer_attach_schedule(opt, 0, schedule), "attach schedule");
    check(swiftopt_schedule_free(schedule), "free schedule"); /* the group keeps a copy */

    printf("swiftopt %s: softmax classifier, %d points in %d classes, SGD momentum 0.9,\n"
           "warmup (1 epoch) + cosine lr from 0.5, max_grad_norm 1, label smoothing 0.1\n",
           swiftopt_version_string(), N, C);
    printf("epoch      loss        lr   grad norm  accuracy\n");
    const void *grads[2] = {gw, gb};
    double logits[BATCH][C], dlogits[BATCH][C];
    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        double epoch_loss = 0;
        for (int start = 0; start < N; start += BATCH) {
            forward((const double (*)[D])w, b, start, BATCH, logits);
            double loss = 0;
            check(swiftopt_cross_entropy(SWIFTOPT_DTYPE_FLOAT64, BATCH, C, logits, labels + start, NULL,
                                         -100, 0.1, SWIFTOPT_REDUCTION_MEAN, &loss, dlogits),
                  "cross_entropy");
            /* Backpropagate through the linear layer. */
            for (int k = 0; k < C; k++) {
                gb[k] = gw[k][0] = gw[k][1] = 0;
                for (int i = 0; i < BATCH; i++) {
                    gb[k] += dlogits[i][k];
                    gw[k][0] += dlogits[i][k] * xs[start + i][0];
                    gw[k][1] += dlogits[i][k] * xs[start + i][1];
                }
            }
            check(swiftopt_optimizer_step(opt, grads, 2), "step");
            epoch_loss += loss * BATCH / N;
        }
        double lr = 0, norm = 0;
        check(swiftopt_optimizer_get_hyperparameter(opt, 0, SWIFTOPT_HP_LR, &lr), "get lr");
        check(swiftopt_optimizer_grad_norm(opt, 0, &norm), "grad norm");
        printf("%5d %9.5f %9.2e %11.4f %8.2f%%\n", epoch, epoch_loss, lr, norm, 100 * accuracy((const double (*)[D])w, b));
    }
    double final_accuracy = accuracy((const double (*)[D])w, b);
    check(swiftopt_optimizer_free(opt), "free optimizer");
    printf("accuracy %.2f%% after %lld steps\n", 100 * final_accuracy, (long long)total);
    return final_accuracy >= 0.9 ? 0 : 1;
}
