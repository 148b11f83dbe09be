package amalgam.nn;

/** Naive double-precision references of the ops, on flat row-major arrays (test scope only). */
final class References {
    private References() {
    }

    /** op(a) op(b) for each of `batch` matrices; a is [m,k] ([k,m] if ta), b [k,n] ([n,k] if tb). */
    static double[] matmul(double[] a, double[] b, int batch, int m, int k, int n, boolean ta, boolean tb) {
        double[] c = new double[batch * m * n];
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) {
                        double x = ta ? a[p * m * k + l * m + i] : a[p * m * k + i * k + l];
                        double y = tb ? b[p * k * n + j * k + l] : b[p * k * n + l * n + j];
                        s += x * y;
                    }
                    c[p * m * n + i * n + j] = s;
                }
            }
        }
        return c;
    }

    static double[] softmaxRows(double[] x, int n, boolean log) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x[r * n + i]);
            }
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += Math.exp(x[r * n + i] - max);
            }
            for (int i = 0; i < n; i++) {
                double z = x[r * n + i] - max - Math.log(total);
                y[r * n + i] = log ? z : Math.exp(z);
            }
        }
        return y;
    }

    static double[] layerNorm(double[] x, double[] w, double[] b, int n, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += x[r * n + i];
            }
            mean /= n;
            double variance = 0;
            for (int i = 0; i < n; i++) {
                variance += (x[r * n + i] - mean) * (x[r * n + i] - mean);
            }
            variance /= n;
            for (int i = 0; i < n; i++) {
                y[r * n + i] = (x[r * n + i] - mean) / Math.sqrt(variance + eps) * w[i] + b[i];
            }
        }
        return y;
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + Math.signum(x) * Erf.series(Math.abs(x) / Math.sqrt(2)));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Attention over [pairs, L, d] with masks given as hidden[b][i][j] via the predicate. */
    static double[] attention(double[] q, double[] k, double[] v, int batch, int heads, int lq, int lk, int d, int dv,
            boolean causal, float[] keyMask) {
        return attention(q, k, v, batch, heads, heads, lq, lk, d, dv, causal, 0, keyMask);
    }

    /** As above with kvHeads key/value heads (query head h reads kv head h / (heads / kvHeads)) and a sliding window. */
    static double[] attention(double[] q, double[] k, double[] v, int batch, int heads, int kvHeads, int lq, int lk, int d,
            int dv, boolean causal, int window, float[] keyMask) {
        double scale = 1 / Math.sqrt(d);
        double[] out = new double[batch * heads * lq * dv];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int p = b * heads + h;
                int kv = b * kvHeads + h / (heads / kvHeads);
                for (int i = 0; i < lq; i++) {
                    double[] s = new double[lk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        boolean hidden = (causal && j > i + (lk - lq)) || (window > 0 && j <= i + (lk - lq) - window)
                                || (keyMask != null && keyMask[b * lk + j] == 0);
                        if (hidden) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        for (int l = 0; l < d; l++) {
                            s[j] += q[(p * lq + i) * d + l] * k[(kv * lk + j) * d + l];
                        }
                        s[j] *= scale;
                        max = Math.max(max, s[j]);
                    }
                    double total = 0;
                    for (int j = 0; j < lk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        total += s[j];
                    }
                    for (int j = 0; j < lk; j++) {
                        for (int l = 0; l < dv; l++) {
                            out[(p * lq + i) * dv + l] += s[j] / total * v[(kv * lk + j) * dv + l];
                        }
                    }
                }
            }
        }
        return out;
    }

    /** [outer, A, mid, B, inner] -> [outer, B, mid, A, inner]. */
    static double[] swapAxes(double[] x, int outer, int a, int mid, int b, int inner) {
        double[] y = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < a; i++) {
                for (int m = 0; m < mid; m++) {
                    for (int j = 0; j < b; j++) {
                        for (int t = 0; t < inner; t++) {
                            y[(((o * b + j) * mid + m) * a + i) * inner + t] = x[(((o * a + i) * mid + m) * b + j) * inner + t];
                        }
                    }
                }
            }
        }
        return y;
    }
}
