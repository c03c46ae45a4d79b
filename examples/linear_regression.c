/*
 * linear_regression.c — fit y ≈ w·x + b by mini-batch gradient descent.
 *
 * The running example of the design notes: 1000 points of y = 2x + 1 plus
 * Gaussian noise (examples/data/linear.csv). The model and its mean-squared
 * error gradient are computed here; swiftopt computes the updates. The same
 * problem is trained three times, with plain SGD, SGD with momentum, and
 * Adam, each for a few epochs of shuffled mini-batches with a step decay of
 * the learning rate (halved every 5 epochs, set through the optimizer's
 * hyperparameter API), printing the loss per epoch and the fitted weights
 * next to the exact least-squares solution.
 *
 *     make demo          (or: build/linear_regression examples/data/linear.csv)
 */
#include <swiftopt.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_POINTS 100000
#define BATCH 32
#define EPOCHS 20

static float xs[MAX_POINTS], ys[MAX_POINTS];
static int order[MAX_POINTS];

/* Prints the failing call, its status name and the library's message; exits. */
static void check(int32_t status, const char *what) {
    if (status == SWIFTOPT_OK) return;
    char message[512];
    swiftopt_last_error_message(message, sizeof message);
    fprintf(stderr, "%s failed: %s: %s\n", what, swiftopt_status_name(status), message);
    exit(1);
}

static int load_csv(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    char header[64];
    if (!fgets(header, sizeof header, f)) {
        fprintf(stderr, "%s: empty file\n", path);
        exit(1);
    }
    int n = 0;
    while (n < MAX_POINTS && fscanf(f, "%f,%f", &xs[n], &ys[n]) == 2) n++;
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "%s: no data rows\n", path);
        exit(1);
    }
    return n;
}

/* Deterministic Fisher–Yates shuffle (xorshift32), so runs are reproducible. */
static void shuffle(int n, uint32_t *seed) {
    for (int i = n - 1; i > 0; i--) {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 17;
        *seed ^= *seed << 5;
        int j = (int)(*seed % (uint32_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static double full_loss(int n, float w, float b) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double r = (double)w * xs[i] + b - ys[i];
        sum += r * r;
    }
    return sum / n;
}

/* The exact minimizer of the mean-squared error, for comparison. */
static void least_squares(int n, double *w, double *b) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        sx += xs[i];
        sy += ys[i];
        sxx += (double)xs[i] * xs[i];
        sxy += (double)xs[i] * ys[i];
    }
    *w = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    *b = (sy - *w * sx) / n;
}

/* Trains w and b from zero with one configured optimizer. */
static void train(const char *title, int32_t algorithm, double lr, double momentum, int n) {
    swiftopt_optimizer *opt = NULL;
    check(swiftopt_optimizer_create(algorithm, &opt), "swiftopt_optimizer_create");
    check(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_LR, lr), "set lr");
    if (momentum > 0)
        check(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_MOMENTUM, momentum),
              "set momentum");

    /* Two parameters, registered once: the optimizer updates them in place. */
    float w = 0.0f, b = 0.0f;
    check(swiftopt_optimizer_add_param(opt, 0, SWIFTOPT_DTYPE_FLOAT32, &w, 1, NULL), "add w");
    check(swiftopt_optimizer_add_param(opt, 0, SWIFTOPT_DTYPE_FLOAT32, &b, 1, NULL), "add b");
    float grad_w = 0.0f, grad_b = 0.0f;
    const void *grads[2] = {&grad_w, &grad_b};

    printf("\n== %s (lr %g%s) ==\n", title, lr, momentum > 0 ? ", momentum 0.9" : "");
    printf("epoch      loss          w          b\n");
    uint32_t seed = 12345;
    for (int i = 0; i < n; i++) order[i] = i;
    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        shuffle(n, &seed);
        for (int start = 0; start < n; start += BATCH) {
            int end = start + BATCH < n ? start + BATCH : n;
            /* Mean-squared error over the batch: L = mean((w x + b - y)^2). */
            double gw = 0, gb = 0;
            for (int k = start; k < end; k++) {
                int i = order[k];
                double r = (double)w * xs[i] + b - ys[i];
                gw += 2 * r * xs[i];
                gb += 2 * r;
            }
            grad_w = (float)(gw / (end - start));
            grad_b = (float)(gb / (end - start));
            check(swiftopt_optimizer_step(opt, grads, 2), "swiftopt_optimizer_step");
        }
        printf("%5d %9.5f %10.5f %10.5f\n", epoch, full_loss(n, w, b), w, b);
        if (epoch % 5 == 0) { /* step decay: a changed lr applies from the next step */
            double current = 0;
            check(swiftopt_optimizer_get_hyperparameter(opt, 0, SWIFTOPT_HP_LR, &current), "get lr");
            check(swiftopt_optimizer_set_hyperparameter(opt, 0, SWIFTOPT_HP_LR, current * 0.5), "set lr");
        }
    }
    int64_t steps = 0;
    check(swiftopt_optimizer_get_step(opt, 0, &steps), "get step");
    double ls_w, ls_b;
    least_squares(n, &ls_w, &ls_b);
    printf("fitted y = %.4f x + %.4f after %lld steps; least squares y = %.4f x + %.4f "
           "(loss %.5f); truth y = 2x + 1\n",
           w, b, (long long)steps, ls_w, ls_b, full_loss(n, (float)ls_w, (float)ls_b));
    check(swiftopt_optimizer_free(opt), "swiftopt_optimizer_free");
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/linear.csv";
    int n = load_csv(path);
    printf("swiftopt %s: linear regression on %d points from %s, batch %d\n",
           swiftopt_version_string(), n, path, BATCH);
    train("SGD", SWIFTOPT_ALGORITHM_SGD, 0.01, 0.0, n);
    train("SGD with momentum", SWIFTOPT_ALGORITHM_SGD, 0.002, 0.9, n);
    train("Adam", SWIFTOPT_ALGORITHM_ADAM, 0.05, 0.0, n);
    return 0;
}
