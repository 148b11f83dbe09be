package amalgam.cli;

import amalgam.UserInputException;
import amalgam.mergekit.MergekitParameterValues;
import amalgam.mergekit.MergekitRun;
import amalgam.mergekit.config.MergeConfig;
import amalgam.mergekit.plan.PlanOptions;
import amalgam.report.RecordStart;
import amalgam.report.RunRecorder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam merge CONFIG.yml OUT_DIR}: a mergekit-configured merge ({@link MergekitRun}), streamed tensor by tensor. */
@Command(name = "merge", mixinStandardHelpOptions = true, description = "Merge models with a mergekit YAML configuration.")
final class MergeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG.yml", description = "mergekit merge configuration.")
    Path config;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "Output model directory (appears only when complete).")
    Path output;

    @Option(names = {"--seed", "--random-seed"}, defaultValue = "0", description = "Seed of randomized methods (DARE, DELLA, ...).")
    long seed;

    @Option(names = {"--threads", "-j"}, description = "Worker threads (default: all cores). The output does not depend on it.")
    Integer threads;

    @Option(names = "--memory", defaultValue = "1Gi", description = "Memory budget for tensors in flight (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--out-shard-size", defaultValue = "5B", description = "Largest output shard in bytes, K/M/B notation (default ${DEFAULT-VALUE}; 0: one file).")
    String shardSize;

    @Option(names = "--copy-tokenizer", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Copy the donor model's tokenizer files (default on; --no-copy-tokenizer to skip).")
    boolean copyTokenizer;

    @Option(names = "--strict", description = "Reject unknown config keys instead of ignoring them with a warning.")
    boolean strict;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true", description = "Progress bar on stderr when it is a terminal.")
    boolean progress;

    @Option(names = "--allow-nonfinite", description = "Merge NaN and infinities in input weights as mergekit would, instead of refusing them.")
    boolean allowNonFinite;

    @Mixin
    MergekitOptions mergekit;

    @Mixin
    RecordOptions records;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        MergeConfig parsed = MergekitRun.read(config, strict);
        String shard = shardSize.strip().equals("0") ? String.valueOf(Long.MAX_VALUE) : shardSize;
        if (!mergekit.safeSerialization) {
            throw new UserInputException("--no-safe-serialization: amalgam writes safetensors only");
        }
        mergekit.deviceWarnings().forEach(this::warn);
        PlanOptions planOptions = PlanOptions.of(mergekit.allowCrimes, mergekit.loraMergeDType)
                .withAllowNonFinite(allowNonFinite);
        RunRecorder recorder = records.recorder(spec, false);
        RecordStart start = new RecordStart("merge", "mergekit", parsed.mergeMethod(), MergekitParameterValues.of(parsed), true,
                parsed.text(),
                null, null, seed, output, null);
        try (var options = EngineSettings.of(threads, memory, shard, progress && !mergekit.quiet)) {
            recorder.recordMerge(start, () -> new MergekitRun(options, this::warn).reportingProvenanceTo(recorder::provenance)
                    .run(config, parsed, output, new MergekitRun.Settings(seed, copyTokenizer, mergekit.writeModelCard, planOptions)));
        }
        return Main.EXIT_OK;
    }

    private void warn(String warning) {
        spec.commandLine().getErr().println("amalgam: warning: " + warning);
    }
}
