package amalgam.bench;

import amalgam.UserInputException;
import amalgam.fusion.BuiltInPools;
import amalgam.fusion.FusionRun;
import amalgam.fusion.RunSpec;
import amalgam.fusion.ReferenceCache;
import amalgam.fusion.RunReport;
import amalgam.fusion.taskpool.TaskMetrics;
import amalgam.merge.EngineOptions;
import amalgam.report.RecordStart;
import amalgam.report.RecordsLocation;
import amalgam.report.RunRecord;
import amalgam.report.RunRecorder;
import amalgam.zoo.BuiltInBenchmark;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The built-in benchmark's FusionBench-style table: the pretrained and individual models, then every method of the
 * table (data-free, data-dependent, test-time, mixtures) at its FusionBench defaults on the built-in pool, task
 * arithmetic at the best scaling factor of a small sweep
 * (chosen on the test splits themselves, as the rows of FusionBench's tables with a swept λ are; said in the label).
 * Prints a Markdown table: accuracy in percent per task and the average, and each run's wall time.
 */
public final class QualityBenchmark {
    private static final List<Double> SWEEP = List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0);
    private static final double DEFAULT_LAMBDA = 0.3;

    /** One row: its label and the run's method arguments. */
    private record Method(String label, Map<String, Object> arguments) {
    }

    private final EngineOptions engine;
    private final BuiltInPools builtIn;
    private final ReferenceCache cache;

    private final List<Method> rows;

    /** The whole table, or with {@code only} not empty just the rows of those methods (with the λ sweep's rows). */
    public QualityBenchmark(EngineOptions engine, BuiltInPools builtIn, ReferenceCache cache, List<String> only) {
        this.engine = engine;
        this.builtIn = builtIn;
        this.cache = cache;
        List<String> known = methods().stream().map(QualityBenchmark::methodName).toList();
        for (String name : only) {
            if (!known.contains(name)) {
                throw new UserInputException("--methods: '" + name + "' is not a row of the table; the rows are " + String.join(", ", known));
            }
        }
        this.rows = only.isEmpty() ? methods() : methods().stream().filter(method -> only.contains(methodName(method))).toList();
    }

    private static String methodName(Method method) {
        return String.valueOf(method.arguments().get("method"));
    }

    /**
     * Prints the table, a row as soon as it is measured, and returns the runs' records (the λ sweep's points first, then
     * one per method row) for the report.
     */
    public List<RunRecord> run(PrintWriter out) {
        RecordsLocation memoryOnly = RecordsLocation.of(null, true);
        List<String> command = List.of("bench", "quality");
        RunRecorder sweepPoints = RunRecorder.keeping(memoryOnly, command, true, warning -> { });
        RunRecorder methodRows = RunRecorder.keeping(memoryOnly, command, false, warning -> { });
        RunRecorder[] recording = {sweepPoints};
        FusionRun program = new FusionRun(engine, builtIn, cache).reportingProvenanceTo(provenance -> recording[0].provenance(provenance));
        PrintWriter quiet = new PrintWriter(Writer.nullWriter());
        RunReport first = null;
        double bestAverage = -1;
        RunReport best = null;
        RunReport atDefault = null;
        double defaultSeconds = 0;
        double bestLambda = 0;
        double sweepSeconds = 0;
        for (double lambda : SWEEP) {
            long start = System.nanoTime();
            RunSpec point = arguments("task_arithmetic", Map.of("method.scaling_factor", lambda), first == null);
            RunReport report = sweepPoints.recordRun(RecordStart.of(point, point.configText(), BuiltInBenchmark.NAME), sweepPoints.finished().size(),
                    () -> program.run(point, quiet));
            sweepSeconds += (System.nanoTime() - start) / 1e9;
            if (lambda == DEFAULT_LAMBDA) {
                atDefault = report;
                defaultSeconds = (System.nanoTime() - start) / 1e9;
            }
            if (first == null) {
                first = report; // the one with the reference rows
            }
            double average = RunReport.averageAccuracy(report.results()).orElse(Double.NaN);
            if (average > bestAverage) {
                bestAverage = average;
                best = report;
                bestLambda = lambda;
            }
        }
        List<String> tasks = List.copyOf(first.results().keySet());
        out.println("| method | " + String.join(" | ", tasks) + " | average | seconds |");
        out.println("|---|" + "---|".repeat(tasks.size() + 2));
        out.println(row("pretrained", first.pretrained().orElseThrow(), tasks, Double.NaN));
        out.println(row("individual", first.individual().orElseThrow(), tasks, Double.NaN));
        List<String> taskArithmeticRows = List.of(row("task arithmetic (λ = 0.3, FusionBench's default)", atDefault.results(), tasks,
                defaultSeconds), row(String.format(Locale.ROOT, "task arithmetic (λ = %.1f, best of %s)", bestLambda, SWEEP),
                best.results(), tasks, sweepSeconds / SWEEP.size()));
        boolean afterSimpleAverage = rows.stream().anyMatch(method -> methodName(method).equals("simple_average"));
        if (!afterSimpleAverage) {
            taskArithmeticRows.forEach(out::println);
        }
        out.flush();
        // each row as soon as it is measured: the test-time methods take minutes each
        recording[0] = methodRows;
        for (Method method : rows) {
            long start = System.nanoTime();
            RunSpec row = arguments(methodName(method), method.arguments(), false);
            RunReport report = methodRows.recordRun(RecordStart.of(row, row.configText(), BuiltInBenchmark.NAME), 0, () -> program.run(row, quiet));
            out.println(row(method.label(), report.results(), tasks, (System.nanoTime() - start) / 1e9));
            if (methodName(method).equals("simple_average")) {
                taskArithmeticRows.forEach(out::println);
            }
            out.flush();
        }
        List<RunRecord> records = new ArrayList<>(sweepPoints.finished());
        records.addAll(methodRows.finished());
        return records;
    }

    /** The config names of the table's method rows, in table order. */
    static List<String> methodNames() {
        return methods().stream().map(QualityBenchmark::methodName).toList();
    }

    private static List<Method> methods() {
        return List.of(
                new Method("simple average", Map.of("method", "simple_average")),
                new Method("TIES (λ = 0.3, top 20 %)", Map.of("method", "ties_merging")),
                new Method("DARE-TA (p = 0.5, λ = 0.3)", Map.of("method", "dare/task_arithmetic")),
                new Method("MagMax (λ = 0.5)", Map.of("method", "magmax")),
                new Method("TSV-M (α = 1.0)", Map.of("method", "task_singular_vector")),
                new Method("ISO-C (α = 1.0)", Map.of("method", "iso_c")),
                new Method("ISO-CTS (α = 1.0, 80 % common)", Map.of("method", "iso_cts")),
                new Method("EMR (one model per task)", Map.of("method", "emr_merging")),
                new Method("OPCM (α = 0.5, seeded order)", Map.of("method", "opcm")),
                new Method("model stock", Map.of("method", "model_stock")),
                new Method("simple ensemble (features averaged)", Map.of("method", "ensemble/simple_ensemble")),
                new Method("max-model predictor", Map.of("method", "ensemble/max_model_predictor")),
                new Method("Fisher merging (256 train images)", Map.of("method", "fisher_merging/clip_fisher_merging")),
                new Method("RegMean (256 train images, α = 0.95)", Map.of("method", "regmean/clip_regmean")),
                new Method("RegMean++", Map.of("method", "regmean_plusplus/clip_regmean_plusplus")),
                new Method("task arithmetic in a trust region (q = 0.99)", Map.of("method", "trust_region/clip_task_arithmetic")),
                new Method("task-wise AdaMerging (1000 steps)", Map.of("method", "adamerging/clip_task_wise_adamerging")),
                new Method("layer-wise AdaMerging (1000 steps)", Map.of("method", "adamerging/clip_layer_wise_adamerging")),
                new Method("Concrete TA (2000 steps)", Map.of("method", "concrete_subspace/clip_concrete_task_arithmetic")),
                new Method("Concrete task-wise AdaMerging (1000 + 1000 steps)",
                        Map.of("method", "concrete_subspace/clip_concrete_task_wise_adamerging")),
                new Method("Concrete layer-wise AdaMerging (1000 + 1000 steps)",
                        Map.of("method", "concrete_subspace/clip_concrete_layer_wise_adamerging")),
                new Method("Frank-Wolfe hard (10 steps, TA)", Map.of("method", "fw_merging/fw_hard")),
                new Method("Frank-Wolfe soft (10 steps of 500 AdaMerging steps)", Map.of("method", "fw_merging/fw_soft")),
                new Method("AdaMerging + representation surgery", Map.of("method", "surgery/adamerging_surgery")),
                new Method("WEMoE (1000 steps)", Map.of("method", "wemoe/weight_ensembling_moe")),
                new Method("sparse WEMoE (1000 steps, 90 % of each MLP task vector pruned)",
                        Map.of("method", "wemoe/sparse_weight_ensembling_moe")),
                new Method("RankOne-MoE (1000 steps, rank 32)", Map.of("method", "rankone_moe/rankone_moe")),
                new Method("SMILE (gate_k = 1, k = 128, top-1)", Map.of("method", "smile_upscaling/smile_upscaling")),
                new Method("AdaSVD (256 train images per task, gate_k = 16)", Map.of("method", "ada_svd/clip_vision")));
    }

    /** The method with the given parameters ({@code method.NAME} keys) on the built-in benchmark. */
    private static RunSpec arguments(String method, Map<String, Object> parameters, boolean withReference) {
        Map<String, Object> methodParameters = new LinkedHashMap<>();
        parameters.forEach((key, value) -> {
            if (key.startsWith("method.")) {
                methodParameters.put(key.substring("method.".length()), value);
            }
        });
        return new RunSpec(method, methodParameters, new RunSpec.Pool.BuiltIn(), new RunSpec.Pool.BuiltIn(), null, null, 0, false,
                withReference, "method: " + method + "\n", true);
    }

    private static String row(String label, Map<String, TaskMetrics> results, List<String> tasks, double seconds) {
        StringBuilder row = new StringBuilder("| " + label + " |");
        for (String task : tasks) {
            TaskMetrics metrics = results.get(task);
            row.append(' ').append(metrics == null ? "-" : percent(metrics.accuracy())).append(" |");
        }
        OptionalDouble average = RunReport.averageAccuracy(results);
        row.append(" **").append(average.isPresent() ? percent(average.getAsDouble()) : "-").append("** |");
        row.append(Double.isNaN(seconds) ? " - |" : String.format(Locale.ROOT, " %.1f |", seconds));
        return row.toString();
    }

    private static String percent(double accuracy) {
        return String.format(Locale.ROOT, "%.1f", 100 * accuracy);
    }
}
