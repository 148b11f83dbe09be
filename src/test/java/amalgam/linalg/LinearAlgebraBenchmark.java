package amalgam.linalg;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A quick throughput measurement, not a unit test (surefire only runs *Test classes): sgemm GFLOP/s on 2048 x 2048,
 * and gesdd seconds on 768 x 768 and 3072 x 768 (float32 and float64). Prints provenance first.
 *
 * <p>Run with the test classpath, e.g. {@code java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes:<deps>
 * amalgam.linalg.LinearAlgebraBenchmark [threads]}.
 */
public final class LinearAlgebraBenchmark {
    private LinearAlgebraBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        var blas = LinearAlgebra.useThreads(threads); // for the whole benchmark process
        System.out.println("backend  " + LinearAlgebra.backend());
        System.out.println("java     " + Runtime.version() + " on " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cpus, "
                + cpuModel());
        try (Arena arena = Arena.ofConfined()) {
            gemm(arena, 2048, threads);
            svd(arena, 768, 768);
            svd(arena, 3072, 768);
            svdDouble(arena, 768, 768);
            svdDouble(arena, 3072, 768);
        }
    }

    private static void gemm(Arena arena, int n, int threads) {
        Matrix a = Matrices.random(arena, n, n, 1);
        Matrix b = Matrices.random(arena, n, n, 2);
        Matrix c = Matrix.allocate(arena, n, n);
        double[] seconds = new double[10];
        for (int warmup = 0; warmup < 3; warmup++) {
            LinearAlgebra.gemm(false, false, 1, a, b, 0, c);
        }
        for (int run = 0; run < seconds.length; run++) {
            long start = System.nanoTime();
            LinearAlgebra.gemm(false, false, 1, a, b, 0, c);
            seconds[run] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(seconds);
        double flops = 2.0 * n * n * n;
        System.out.printf("sgemm    %dx%d x %dx%d, %d threads: median %.1f GFLOP/s, best %.1f GFLOP/s (%.3f s)%n",
                n, n, n, n, threads, flops / seconds[seconds.length / 2] / 1e9, flops / seconds[0] / 1e9, seconds[0]);
        System.out.printf("         AVX2+FMA peak is 32 float32 FLOP/cycle/core: %d cores x 32 x clock(GHz)%n", threads);
    }

    private static void svd(Arena arena, int m, int n) {
        Matrix a = Matrices.random(arena, m, n, 3);
        LinearAlgebra.svd(arena, a); // warm-up
        double[] seconds = new double[3];
        for (int run = 0; run < seconds.length; run++) {
            try (Arena scratch = Arena.ofConfined()) {
                long start = System.nanoTime();
                LinearAlgebra.svd(scratch, a);
                seconds[run] = (System.nanoTime() - start) / 1e9;
            }
        }
        Arrays.sort(seconds);
        System.out.printf("sgesdd   %dx%d thin: median %.3f s, best %.3f s%n", m, n, seconds[1], seconds[0]);
    }

    private static void svdDouble(Arena arena, int m, int n) {
        MatrixD a = Matrices.randomD(arena, m, n, 3);
        LinearAlgebra.svd(arena, a); // warm-up
        double[] seconds = new double[3];
        for (int run = 0; run < seconds.length; run++) {
            try (Arena scratch = Arena.ofConfined()) {
                long start = System.nanoTime();
                LinearAlgebra.svd(scratch, a);
                seconds[run] = (System.nanoTime() - start) / 1e9;
            }
        }
        Arrays.sort(seconds);
        System.out.printf("dgesdd   %dx%d thin: median %.3f s, best %.3f s%n", m, n, seconds[1], seconds[0]);
    }

    private static String cpuModel() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return "unknown cpu";
        }
        return Files.readAllLines(cpuinfo).stream().filter(line -> line.startsWith("model name")).findFirst()
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("unknown cpu");
    }
}
