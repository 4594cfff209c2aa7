/* The seed's XOR run in C: the reference for `make bench` (benchmarks/native.py compiles it with
 * the system C compiler, `cc -O2`, and runs it).  The same 4000 SGD updates as
 * xor_seed.tight_floor_run, in doubles, with the same formulas; it times the run itself (the best
 * of `repeats`, each from the initial weights) and prints the seconds and the final predictions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double sigmoid(double z) {
    if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

static const double X[4][2] = {{1.0, 1.0}, {0.0, 1.0}, {1.0, 0.0}, {0.0, 0.0}};
static const double Y[4] = {0.0, 1.0, 1.0, 0.0};

static void run(int epochs, double lr, double w[9]) {
    double w00 = 0.1, w01 = -0.1, w10 = -0.1, w11 = 0.1, b10 = 0.1, b11 = -0.1;
    double w20 = 0.1, w21 = -0.1, b2 = 0.1;
    for (int e = 0; e < epochs; e++) {
        for (int i = 0; i < 4; i++) {
            double x0 = X[i][0], x1 = X[i][1], y = Y[i];
            double h0 = sigmoid(w00 * x0 + w01 * x1 + b10);
            double h1 = sigmoid(w10 * x0 + w11 * x1 + b11);
            double o = sigmoid(w20 * h0 + w21 * h1 + b2);
            double d = o - y;
            double d0 = d * w20 * h0 * (1.0 - h0);
            double d1 = d * w21 * h1 * (1.0 - h1);
            w20 -= lr * d * h0;
            w21 -= lr * d * h1;
            b2 -= lr * d;
            w00 -= lr * d0 * x0;
            w01 -= lr * d0 * x1;
            b10 -= lr * d0;
            w10 -= lr * d1 * x0;
            w11 -= lr * d1 * x1;
            b11 -= lr * d1;
        }
    }
    double out[9] = {w00, w01, b10, w10, w11, b11, w20, w21, b2};
    for (int k = 0; k < 9; k++) w[k] = out[k];
}

int main(int argc, char **argv) {
    int epochs = argc > 1 ? atoi(argv[1]) : 1000;
    int repeats = argc > 2 ? atoi(argv[2]) : 50;
    volatile double lr = 0.4; /* read at run time: the compiler may not fold the run away */
    double w[9], best = 1e9;
    for (int r = 0; r < repeats; r++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        run(epochs, lr, w);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double s = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
        if (s < best) best = s;
    }
    printf("%.9g", best);
    for (int i = 0; i < 4; i++) {
        double h0 = sigmoid(w[0] * X[i][0] + w[1] * X[i][1] + w[2]);
        double h1 = sigmoid(w[3] * X[i][0] + w[4] * X[i][1] + w[5]);
        printf(" %.17g", sigmoid(w[6] * h0 + w[7] * h1 + w[8]));
    }
    printf("\n");
    return 0;
}
