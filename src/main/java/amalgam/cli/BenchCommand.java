package amalgam.cli;

import amalgam.bench.IoBenchmark;
import amalgam.bench.LmBenchmark;
import amalgam.bench.MergeBenchmark;
import amalgam.bench.QualityBenchmark;
import amalgam.fusion.ReferenceCache;
import amalgam.report.HtmlReport;
import amalgam.report.RunRecord;
import amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam bench ...}: throughput benchmarks that print ratios to the machine's measured limits. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks: throughput next to the machine's limits measured in the same run.",
        subcommands = {BenchCommand.Io.class, BenchCommand.Merge.class, BenchCommand.Nn.class, BenchCommand.Lm.class, BenchCommand.Quality.class})
final class BenchCommand extends CommandGroup {
    @Command(name = "io", mixinStandardHelpOptions = true, description = "Mapped tensor reads and BF16 -> F32 conversion vs a plain memory copy.")
    static final class Io implements Callable<Integer> {
        @Option(names = "--size", defaultValue = "1Gi", description = "Size of the BF16 tensor (default ${DEFAULT-VALUE}).")
        String size;

        @Option(names = "--repetitions", defaultValue = "10", description = "Timed runs after one warm-up; the best is reported (the first passes run before the JIT has compiled the vector loops).")
        int repetitions;

        @Option(names = "--dir", defaultValue = "${java.io.tmpdir}", description = "Where the temporary checkpoint goes.")
        Path directory;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            new IoBenchmark(SizeOption.parse(size, "--size"), repetitions, directory).run(spec.commandLine().getOut());
            return Main.EXIT_OK;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true, description = "Task arithmetic and TIES vs the page-cache read limit; TSV-M and ISO-C vs LAPACK time.")
    static final class Merge implements Callable<Integer> {
        @Option(names = "--size", defaultValue = "1Gi", description = "Size of each synthetic model (default ${DEFAULT-VALUE}).")
        String size;

        @Option(names = "--models", defaultValue = "3", description = "Fine-tuned models besides the base (default ${DEFAULT-VALUE}).")
        int models;

        @Option(names = "--dtype", split = ",", defaultValue = "F32,BF16", description = "Dtypes of the synthetic models (default ${DEFAULT-VALUE}).")
        List<String> dtypes;

        @Option(names = "--methods", split = ",", defaultValue = "task_arithmetic,ties_merging",
                description = "Streaming methods to time (default ${DEFAULT-VALUE}).")
        List<String> methods;

        @Option(names = "--skip-svd", description = "Skip the TSV-M / ISO-C part.")
        boolean skipSvd;

        @Option(names = "--threads", description = "Worker threads (default: all cores).")
        Integer threads;

        @Option(names = "--memory", defaultValue = "1Gi", description = "Engine memory budget (default ${DEFAULT-VALUE}).")
        String memory;

        @Option(names = "--dir", defaultValue = "${java.io.tmpdir}", description = "Where the temporary checkpoints go.")
        Path directory;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<DType> parsed = dtypes.stream().map(DType::fromTorchName).toList();
            try (var engine = EngineSettings.of(threads, memory, null, false)) {
                new MergeBenchmark(SizeOption.parse(size, "--size"), models, parsed, directory, engine, !skipSvd, methods)
                        .run(spec.commandLine().getOut());
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "nn", mixinStandardHelpOptions = true,
            description = "CLIP ViT-B/32 vision tower forward and training step vs the sgemm rate measured in the same run.")
    static final class Nn implements Callable<Integer> {
        @Option(names = "--batch", defaultValue = "32", description = "Images per training step (default ${DEFAULT-VALUE}; the evaluation forward runs 16 and 64).")
        int batch;

        @Option(names = "--repetitions", defaultValue = "5", description = "Timed runs after one warm-up (default ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--threads", description = "Threads (default: all cores).")
        Integer threads;

        @Option(names = "--model", paramLabel = "DIR", description = "Time this CLIP checkpoint's vision tower (default: random weights).")
        java.nio.file.Path model;

        @Option(names = "--serve", hidden = true,
                description = "Read batch sizes from standard input and print the seconds of one evaluation forward each (for bench/torch).")
        boolean serve;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            if (workers < 1) {
                throw new amalgam.UserInputException("--threads must be at least 1, got " + workers);
            }
            amalgam.bench.NnBenchmark benchmark = new amalgam.bench.NnBenchmark(batch, repetitions, workers, model);
            if (serve) {
                benchmark.serve(new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                        java.nio.charset.StandardCharsets.UTF_8)), spec.commandLine().getOut());
            } else {
                benchmark.run(spec.commandLine().getOut());
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "lm", mixinStandardHelpOptions = true,
            description = "A causal LM's prompt processing and generation speed (tokens/s, key-value cache); bench/torch/lm_speed.py runs torch beside it.")
    static final class Lm implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "config.json and safetensors.")
        Path model;

        @Option(names = "--prompt-tokens", defaultValue = "128", description = "Prompt length (default ${DEFAULT-VALUE}).")
        int promptTokens;

        @Option(names = "--new-tokens", defaultValue = "32", description = "Tokens generated one at a time (default ${DEFAULT-VALUE}).")
        int newTokens;

        @Option(names = "--repetitions", defaultValue = "3", description = "Timed runs after one warm-up (default ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--threads", description = "Threads (default: all cores).")
        Integer threads;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            new LmBenchmark(model, promptTokens, newTokens, repetitions, EngineSettings.threads(threads)).run(spec.commandLine().getOut());
            return Main.EXIT_OK;
        }
    }

    @Command(name = "quality", mixinStandardHelpOptions = true,
            description = "The built-in benchmark's FusionBench-style table: every method on mini8 at FusionBench's defaults, as Markdown (every row: several hours on 2 cores, most of it in the test-time rows; --methods picks rows).")
    static final class Quality implements Callable<Integer> {
        @Option(names = "--threads", description = "Threads (default: all cores).")
        Integer threads;

        @Option(names = "--methods", split = ",", paramLabel = "M",
                description = "Only the rows of these methods (config names, e.g. simple_average,ties_merging), besides task arithmetic's.")
        List<String> methods = List.of();

        @Option(names = "--report", paramLabel = "FILE", defaultValue = "mini8-report.html",
                description = "The HTML report of every run of the table (default: ${DEFAULT-VALUE}; an earlier report is replaced, nothing else).")
        Path report;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            HtmlReport.checkWritable(report, "--report"); // before the hour of work, not after
            try (var engine = EngineSettings.of(threads, "1Gi", null, false)) {
                List<RunRecord> records = new QualityBenchmark(engine, RunCommand.builtInPools(), ReferenceCache.standard(), methods)
                        .run(spec.commandLine().getOut());
                HtmlReport.write(report, HtmlReport.render("The built-in benchmark (mini8) at FusionBench's defaults",
                        HtmlReport.numbered(records)), "--report");
                spec.commandLine().getErr().println("amalgam: wrote the report " + report);
            }
            return Main.EXIT_OK;
        }
    }
}
