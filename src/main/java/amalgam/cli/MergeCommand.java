package amalgam.cli;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import amalgam.io.FileDigests;
import amalgam.io.HubCache;
import amalgam.io.OutputDirectory;
import amalgam.merge.EngineOptions;
import amalgam.linalg.LinearAlgebra;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.FusedModelSpec;
import amalgam.merge.FusedModelWriter;
import amalgam.merge.Provenance;
import amalgam.merge.StoredConfig;
import amalgam.merge.Versions;
import amalgam.mergekit.config.ConfigParser;
import amalgam.mergekit.config.MergeConfig;
import amalgam.mergekit.plan.MergekitPlan;
import amalgam.mergekit.plan.PlanOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam merge CONFIG.yml OUT_DIR}: a mergekit-configured merge, streamed tensor by tensor. */
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String text = readConfig(config);
        MergeConfig parsed = parse(text);
        String shard = shardSize.strip().equals("0") ? String.valueOf(Long.MAX_VALUE) : shardSize;
        if (!mergekit.safeSerialization) {
            throw new UserInputException("--no-safe-serialization: amalgam writes safetensors only");
        }
        mergekit.deviceWarnings().forEach(this::warn);
        var options = EngineSettings.of(threads, memory, shard, progress && !mergekit.quiet);
        PlanOptions planOptions = PlanOptions.of(mergekit.allowCrimes, mergekit.loraMergeDType)
                .withAllowNonFinite(allowNonFinite);
        List<CheckpointModelSource> opened = new ArrayList<>();
        try {
            MergekitPlan plan = MergekitPlan.build(parsed, seed, planOptions, HubCache::locate, path -> {
                CheckpointModelSource source = CheckpointModelSource.open(path.toString(), path);
                opened.add(source);
                return source;
            });
            plan.warnings().forEach(this::warn);
            List<Path> inputs = new ArrayList<>(List.of(config));
            opened.forEach(source -> {
                inputs.add(source.checkpoint().directory());
                inputs.addAll(source.checkpoint().files());
            });
            try (OutputDirectory claimed = OutputDirectory.claim(output, inputs)) {
                write(parsed, plan, opened, options, claimed);
            }
        } finally {
            opened.forEach(CheckpointModelSource::close);
        }
        return Main.EXIT_OK;
    }

    /** Hashes the inputs for the provenance, computes the merge into the claimed output's staging and publishes it. */
    private void write(MergeConfig parsed, MergekitPlan plan, List<CheckpointModelSource> opened, EngineOptions options,
                       OutputDirectory claimed) {
        Provenance provenance = new Provenance(parsed.mergeMethod(), "mergekit", parameters(parsed),
                Provenance.describe(opened.stream().map(CheckpointModelSource::name).toList(), opened,
                        FileDigests.standard(), options.threads(), options.progress()), seed,
                Provenance.software(Versions.amalgam(), LinearAlgebra.backend()));
        // a built tokenizer replaces the donor's (and is written even with --no-copy-tokenizer, as mergekit)
        boolean copyDonorTokenizer = copyTokenizer && plan.tokenizerFiles().isEmpty();
        Map<String, String> generated = new LinkedHashMap<>(plan.generatedFiles(copyDonorTokenizer, this::warn));
        if (mergekit.writeModelCard) {
            generated.put("mergekit_config.yml", plan.configText());
        }
        FusedModelSpec spec = new FusedModelSpec(output, plan.donorDirectory(), plan.torchDType(), plan.configUpdates(),
                copyDonorTokenizer, provenance, plan.configText(), generated, mergekit.writeModelCard);
        FusedModelWriter writer = new FusedModelWriter(options);
        Path staging = claimed.stagingFor(writer.runKey(Map.of("", plan.jobs()), spec));
        writer.writeInto(staging, FusedModelWriter.titleOf(claimed.target()), plan.jobs(), spec);
        claimed.publish();
    }

    private void warn(String warning) {
        spec.commandLine().getErr().println("amalgam: warning: " + warning);
    }

    /** The parsed config; its errors name the config file. */
    private MergeConfig parse(String text) {
        try {
            return strict ? ConfigParser.strict(text) : ConfigParser.parse(text);
        } catch (UserInputException e) {
            throw new UserInputException("merge config '" + config + "': " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> parameters(MergeConfig config) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("config", StoredConfig.of(config.text()));
        return parameters;
    }

    private static String readConfig(Path config) {
        return ConfigFiles.readText(config, "merge config");
    }
}
