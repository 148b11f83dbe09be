package amalgam.cli;

import amalgam.config.ComposedConfig;
import amalgam.config.ConfigReports;
import amalgam.config.ConfigYaml;
import amalgam.config.HydraCommandLine;
import amalgam.config.HydraOverride;
import amalgam.config.SweepFile;
import amalgam.fusion.BuiltInPools;
import amalgam.fusion.FusionRun;
import amalgam.fusion.ReferenceCache;
import amalgam.fusion.RunComposer;
import amalgam.fusion.RunReport;
import amalgam.fusion.RunSpec;
import amalgam.merge.EngineOptions;
import amalgam.report.RecordStart;
import amalgam.report.RunRecorder;
import amalgam.UserInputException;
import amalgam.zoo.BuiltInBenchmark;
import amalgam.zoo.ZooRecipe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amalgam run [hydra options] [overrides]}: the FusionBench program (method x model pool x task pool), with
 * FusionBench's command line: config groups by name, Hydra's overrides and options, sweeps with {@code -m}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = {
    "Run a fusion method on a model pool and evaluate it on a task pool, composed as FusionBench composes its runs (Hydra).",
    "Without arguments: task_arithmetic on the built-in benchmark (model pool and task pool mini8), with reference rows.",
    "Groups: method=NAME (amalgam methods), modelpool=NAME|FILE.yaml, taskpool=NAME|dummy|FILE.yaml; fields: method.PARAM=VALUE,",
    "modelpool.models.NAME=PATH, +KEY=VALUE, ~KEY; run keys: merged_model_save_path, report_save_path, seed, fast_dev_run,",
    "print_config, dry_run, reference. Hydra options: --config-path/-cp DIR, --config-name/-cn NAME, --config-dir/-cd DIR,",
    "-m (sweep over a,b,c values), --cfg/-c job|hydra|all [--resolve] [--package/-p PKG], --info [defaults|searchpath|...],",
    "--hydra-help."})
final class RunCommand implements Callable<Integer> {
    /** What a lane needs besides its engine budget: the evaluation's batches and activations, the models' headers. */
    private static final long LANE_WORKING_BYTES = 1L << 30;

    @Parameters(arity = "0..*", paramLabel = "override", description = "Hydra overrides and options, e.g. method=ties_merging method.threshold=20.")
    List<String> overrides = List.of();

    @Option(names = "--threads", description = "Worker threads (default: all cores). The output does not depend on it.")
    Integer threads;

    @Option(names = "--memory", defaultValue = "1Gi", description = "Memory budget for tensors in flight (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--sweep", paramLabel = "FILE.yaml",
            description = "A sweep as YAML: each key an override, each list an axis; runs the product of the axes (as -m).")
    Path sweepFile;

    @Option(names = "--lanes", paramLabel = "N", description = "Sweep jobs run at once, each on a share of the threads and memory"
            + " (default: as cores at two threads a lane and free memory allow). Outputs do not depend on it.")
    Integer lanes;

    @Option(names = "--allow-nonfinite", description = "Fuse NaN and infinities in input weights as FusionBench would, instead of refusing them.")
    boolean allowNonFinite;

    @picocli.CommandLine.Mixin
    RecordOptions records;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> arguments = new ArrayList<>(overrides);
        if (sweepFile != null) {
            arguments.add(0, "-m");
            arguments.addAll(SweepFile.overrides(sweepFile));
        }
        HydraCommandLine line = HydraCommandLine.parse(arguments);
        PrintWriter out = spec.commandLine().getOut();
        try (RunComposer composer = new RunComposer(line, Path.of(""), BuiltInBenchmark.NAME)) {
            if (!composer.ignored().isEmpty()) {
                spec.commandLine().getErr().println("amalgam: warning: ignored (no Lightning Fabric here): " + String.join(", ", composer.ignored()));
            }
            List<List<HydraOverride>> jobs = composer.jobs();
            if (line.help() || line.hydraHelp()) {
                out.println(ConfigReports.help(composer.compose(jobs.getFirst(), 0), line.hydraHelp()));
                return Main.EXIT_OK;
            }
            List<ComposedConfig> configs = new ArrayList<>();
            for (int job = 0; job < jobs.size(); job++) {
                configs.add(composer.compose(jobs.get(job), job));
            }
            if (line.cfg() != null || line.info() != null) {
                for (ComposedConfig config : configs) {
                    out.print(line.cfg() != null ? ConfigReports.cfg(config, line.cfg(), line.resolve(), line.packageName())
                            : ConfigReports.info(config, line.info()));
                }
                return Main.EXIT_OK;
            }
            List<RunSpec> runs = new ArrayList<>();
            for (ComposedConfig config : configs) {
                runs.add(composer.spec(config));
            }
            checkDistinctOutputs(runs);
            RunRecorder recorder = records.recorder(spec, runs.size() > 1);
            int workers = EngineSettings.threads(threads);
            long budget = SizeOption.parse(memory, "--memory");
            int laneCount = SweepLanes.count(lanes, runs.size(), workers, budget + LANE_WORKING_BYTES);
            List<SweepLanes.Lane> laneList = new ArrayList<>();
            for (int lane = 0; lane < laneCount; lane++) {
                // one lane: the command's threads, budget and progress bar; several: a share each, no bars
                laneList.add(new JobLane(jobs, configs, runs, lane == 0 ? recorder : recorder.lane(), Math.max(1, workers / laneCount),
                        budget / laneCount, laneCount == 1));
            }
            SweepSelection selection = new SweepSelection();
            SweepLanes.run(runs.size(), laneList, out, done -> {
                out.print(done.text());
                out.flush();
                if (done.report() != null) {
                    selection.offer(done.job(), sweptOverrides(jobs, done.job()), done.report());
                }
            });
            selection.best().ifPresent(best -> out.println(best.line()));
        }
        return Main.EXIT_OK;
    }

    /** A lane's engine, program and recorder; it runs one job at a time. */
    private final class JobLane implements SweepLanes.Lane {
        private final List<List<HydraOverride>> jobs;
        private final List<ComposedConfig> configs;
        private final List<RunSpec> runs;
        private final RunRecorder recorder;
        private final EngineOptions engine;
        private final FusionRun program;

        JobLane(List<List<HydraOverride>> jobs, List<ComposedConfig> configs, List<RunSpec> runs, RunRecorder recorder, int laneThreads,
                long laneMemory, boolean progress) {
            this.jobs = jobs;
            this.configs = configs;
            this.runs = runs;
            this.recorder = recorder;
            this.engine = EngineSettings.of(laneThreads, laneMemory, null, progress);
            this.program = new FusionRun(engine, builtInPools(), ReferenceCache.standard()).allowingNonFinite(allowNonFinite)
                    .reportingProvenanceTo(recorder::provenance).evaluatingOnValidation(runs.size() > 1);
        }

        @Override
        public RunReport run(int job, PrintWriter out) {
            var root = configs.get(job).resolved();
            if (RunComposer.flag(root, "print_config") || RunComposer.flag(root, "dry_run")) {
                out.print(ConfigYaml.dump(configs.get(job).resolved()));
            }
            if (RunComposer.flag(root, "dry_run")) {
                return null;
            }
            if (runs.size() > 1) {
                out.println("# job " + job + ": " + String.join(" ", jobs.get(job).stream().map(HydraOverride::text).toList()));
            }
            RunSpec run = runs.get(job);
            RunReport report = recorder.recordRun(RecordStart.of(run, ConfigYaml.dump(root), BuiltInBenchmark.NAME), job, () -> program.run(run, out));
            out.println(report.toPrettyJson());
            return report;
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    /** The overrides of job {@code job} that not every job shares: the sweep's point. */
    private static List<String> sweptOverrides(List<List<HydraOverride>> jobs, int job) {
        return jobs.get(job).stream().map(HydraOverride::text)
                .filter(text -> !jobs.stream().allMatch(other -> other.stream().map(HydraOverride::text).toList().contains(text)))
                .toList();
    }

    /** A sweep whose jobs would write the same model or report folder would replace one job's results with another's. */
    private static void checkDistinctOutputs(List<RunSpec> runs) {
        Set<Path> seen = new HashSet<>();
        for (RunSpec run : runs) {
            for (Path path : new Path[] {run.mergedModelSavePath(), run.reportSavePath()}) {
                if (path != null && !seen.add(path.toAbsolutePath().normalize())) {
                    throw new UserInputException("the sweep's jobs would all write '" + path + "'; make the path differ per job, e.g."
                            + " with ${hydra:job.num} in it");
                }
            }
        }
    }

    /** The embedded benchmark: the shipped mini8 zoo and its test splits. */
    static BuiltInPools builtInPools() {
        return new BuiltInPools(BuiltInBenchmark.NAME, BuiltInBenchmark::modelPoolFile,
                () -> BuiltInBenchmark.taskPool(ZooRecipe.MINI8, BuiltInBenchmark.zooDirectory()));
    }
}
