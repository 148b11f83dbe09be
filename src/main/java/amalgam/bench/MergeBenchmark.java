package amalgam.bench;

import amalgam.fusion.MethodRegistry;
import amalgam.fusion.ModelPool;
import amalgam.linalg.LinearAlgebra;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.EngineOptions;
import amalgam.merge.FusedModelSpec;
import amalgam.merge.FiniteOutputs;
import amalgam.merge.FusedModelWriter;
import amalgam.merge.NonFiniteInputs;
import amalgam.merge.InMemoryModelSource;
import amalgam.merge.ModelSource;
import amalgam.io.OutputDirectory;
import amalgam.merge.Provenance;
import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code amalgam bench merge}: streaming merges (task arithmetic, TIES) over synthetic checkpoints next to the page
 * cache read limit measured on the same files, with peak anonymous memory; and the SVD-based merges (TSV-M, ISO-C)
 * on ViT-B-shaped layers next to the time spent inside LAPACK.
 */
public final class MergeBenchmark {
    private final long modelBytes;
    private final int fineTuned;
    private final List<DType> dtypes;
    private final Path directory;
    private final EngineOptions engine;
    private final boolean svd;
    private final List<String> streamingMethods;

    public MergeBenchmark(long modelBytes, int fineTuned, List<DType> dtypes, Path directory, EngineOptions engine, boolean svd,
                          List<String> streamingMethods) {
        this.streamingMethods = List.copyOf(streamingMethods);
        this.modelBytes = modelBytes;
        this.fineTuned = fineTuned;
        this.dtypes = dtypes;
        this.directory = directory;
        this.engine = engine;
        this.svd = svd;
    }

    public void run(PrintWriter out) throws Exception {
        out.printf("amalgam bench merge: %d threads, memory budget %s%n", engine.threads(), IoBenchmark.human(engine.memoryBytes()));
        for (DType dtype : dtypes) {
            streaming(dtype, out);
        }
        if (svd) {
            svdMethods(out);
        }
    }

    private void streaming(DType dtype, PrintWriter out) throws Exception {
        Path work = Files.createTempDirectory(directory, "amalgam-bench-merge-");
        try {
            List<Path> files = new ArrayList<>();
            for (int model = 0; model <= fineTuned; model++) {
                files.add(SyntheticCheckpoints.write(work.resolve("model" + model + ".safetensors"), model, modelBytes, 16, dtype));
            }
            long inputBytes = files.stream().mapToLong(MergeBenchmark::size).sum();
            double readSeconds = Stopwatch.best(3, () -> PageCacheReader.readAll(files, engine.threads()));
            double readLimit = Stopwatch.gigabytesPerSecond(inputBytes, readSeconds);
            long outputBytes = size(files.getFirst());
            double writeSeconds = Stopwatch.best(1, () -> PageCacheReader.writeNew(files.getFirst(), outputBytes));
            out.printf("%n%d x %s %s models (1 base + %d), %s input; page-cache read limit %.2f GB/s; writing the %s output"
                            + " takes at least %.2f s (new file + fsync)%n",
                    files.size(), IoBenchmark.human(modelBytes), dtype, fineTuned, IoBenchmark.human(inputBytes), readLimit,
                    IoBenchmark.human(outputBytes), writeSeconds);
            // the I/O floor: reading every input once plus writing the output once, with no compute in between
            double floorSeconds = readSeconds + writeSeconds;
            out.printf("  I/O floor (read the inputs + write the output) %.2f s%n", floorSeconds);
            out.printf("  %-18s %8s %9s %10s %10s %14s %14s%n", "method", "seconds", "GB/s in", "x limit", "x floor",
                    "peak anon RSS", "before merge");
            for (String method : streamingMethods) {
                Result result = mergeFiles(method, files, work.resolve("out-" + method));
                double rate = Stopwatch.gigabytesPerSecond(inputBytes, result.seconds());
                out.printf("  %-18s %8.2f %9.2f %10.2f %10.2f %14s %14s%n", method, result.seconds(), rate, rate / readLimit,
                        floorSeconds / result.seconds(), IoBenchmark.human(result.peakAnonymousBytes()),
                        IoBenchmark.human(result.baselineAnonymousBytes()));
                out.flush();
            }
        } finally {
            OutputDirectory.deleteTree(work);
        }
    }

    private record Result(double seconds, long peakAnonymousBytes, long baselineAnonymousBytes) {
    }

    private Result mergeFiles(String method, List<Path> files, Path output) {
        List<CheckpointModelSource> sources = new ArrayList<>();
        System.gc();
        long baseline = AnonymousMemory.current();
        try (AnonymousMemory memory = AnonymousMemory.startSampling()) {
            long start = System.nanoTime();
            for (int i = 0; i < files.size(); i++) {
                sources.add(CheckpointModelSource.open(i == 0 ? ModelPool.PRETRAINED : "task" + i, files.get(i)));
            }
            List<TensorJob> jobs = MethodRegistry.createMerge(method, Map.of()).plan(new ModelPool(sources), 0,
                    engine.workers().parallel());
            // as amalgam run does: inputs are checked while read, outputs before they are written
            jobs = FiniteOutputs.checked(jobs, method, NonFiniteInputs.REFUSE);
            new FusedModelWriter(engine).write(jobs, spec(method, output));
            double seconds = (System.nanoTime() - start) / 1e9;
            OutputDirectory.deleteTree(output);
            return new Result(seconds, memory.peakBytes(), baseline);
        } finally {
            sources.forEach(CheckpointModelSource::close);
        }
    }

    private void svdMethods(PrintWriter out) throws Exception {
        int tasks = 8;
        try (Arena arena = Arena.ofShared()) {
            List<ModelSource> models = new ArrayList<>();
            for (int model = 0; model <= tasks; model++) {
                models.add(new InMemoryModelSource(model == 0 ? ModelPool.PRETRAINED : "task" + model, vitLayers(arena, model)));
            }
            ModelPool pool = new ModelPool(models);
            out.printf("%nSVD-based merges on ViT-B-shaped layers (12 blocks of 4 x 768x768 + 3072x768 + 768x3072), %d tasks%n", tasks);
            out.printf("  %-22s %8s %22s%n", "method", "seconds", "LAPACK s (all threads)");
            for (String method : List.of("task_singular_vector", "iso_c")) {
                LinearAlgebra.resetTimers();
                Path output = Files.createTempDirectory(directory, "amalgam-bench-svd-").resolve("out");
                long start = System.nanoTime();
                List<TensorJob> jobs = MethodRegistry.createMerge(method, Map.of()).plan(pool, 0, engine.workers().parallel());
                new FusedModelWriter(engine).write(jobs, spec(method, output));
                double seconds = (System.nanoTime() - start) / 1e9;
                OutputDirectory.deleteTree(output.getParent());
                out.printf("  %-22s %8.2f %22.2f%n", method, seconds, LinearAlgebra.lapackSeconds());
                out.flush();
            }
        }
    }

    /** One ViT-B block stack: weights N(0, 0.02) shared by all models, plus a per-model delta of 1e-3 scale. */
    private static Map<String, Tensor> vitLayers(Arena arena, int model) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int block = 0; block < 12; block++) {
            String prefix = "vision_model.encoder.layers." + block + ".";
            for (String projection : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                tensors.put(prefix + "self_attn." + projection + ".weight", gaussian(arena, 768, 768, block * 16 + projection.hashCode(), model));
            }
            tensors.put(prefix + "mlp.fc1.weight", gaussian(arena, 3072, 768, block * 16 + 1, model));
            tensors.put(prefix + "mlp.fc2.weight", gaussian(arena, 768, 3072, block * 16 + 2, model));
        }
        return tensors;
    }

    private static Tensor gaussian(Arena arena, int rows, int columns, long tensorSeed, int model) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, Shape.of(rows, columns));
        SplittableRandom base = new SplittableRandom(tensorSeed);
        SplittableRandom delta = new SplittableRandom(tensorSeed * 31 + model);
        for (long i = 0, n = tensor.elementCount(); i < n; i++) {
            double value = base.nextGaussian() * 0.02 + (model == 0 ? 0 : delta.nextGaussian() * 1e-3);
            tensor.data().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) value);
        }
        return tensor;
    }

    private static FusedModelSpec spec(String method, Path output) {
        Provenance provenance = new Provenance(method, "fusionbench", Map.of(), List.of(), 0, Map.of());
        return new FusedModelSpec(output, null, null, Map.of(), false, provenance, "method: " + method);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
