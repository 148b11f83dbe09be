package amalgam.mergekit;

import amalgam.UserInputException;
import amalgam.io.ConfigFiles;
import amalgam.io.FileDigests;
import amalgam.io.HubCache;
import amalgam.io.OutputDirectory;
import amalgam.linalg.LinearAlgebra;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.EngineOptions;
import amalgam.merge.FusedModelSpec;
import amalgam.merge.FusedModelWriter;
import amalgam.merge.Provenance;
import amalgam.merge.StoredConfig;
import amalgam.merge.Versions;
import amalgam.mergekit.config.ConfigParser;
import amalgam.mergekit.config.MergeConfig;
import amalgam.mergekit.plan.MergekitPlan;
import amalgam.mergekit.plan.PlanOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The mergekit program ({@code amalgam merge CONFIG.yml OUT_DIR}), as {@link amalgam.fusion.FusionRun} is the
 * FusionBench one: read and parse the config, open the models and plan the per-tensor jobs, claim the output
 * directory (before anything is computed), then hash the inputs for the provenance, run the jobs through the engine
 * into the claimed output's staging folder and publish it.
 */
public final class MergekitRun {
    /**
     * What a merge takes besides the config, output and engine.
     *
     * @param seed           seed of the randomized methods (DARE, DELLA, ...)
     * @param copyTokenizer  copy the donor model's tokenizer files (a built tokenizer is written anyway)
     * @param writeModelCard write README.md and mergekit_config.yml
     * @param planOptions    planning switches (crimes, LoRA dtype, non-finite inputs)
     */
    public record Settings(long seed, boolean copyTokenizer, boolean writeModelCard, PlanOptions planOptions) {
    }

    private final EngineOptions engine;
    private final Consumer<String> warnings;
    private Consumer<Provenance> provenanceListener = provenance -> { };

    /** A program running on {@code engine}, reporting warnings (unknown keys, ignored options) to {@code warnings}. */
    public MergekitRun(EngineOptions engine, Consumer<String> warnings) {
        this.engine = engine;
        this.warnings = warnings;
    }

    /** {@code listener} receives the merge's provenance as soon as it is known (the run records keep it). */
    public MergekitRun reportingProvenanceTo(Consumer<Provenance> listener) {
        this.provenanceListener = listener;
        return this;
    }

    /**
     * Reads and parses a config file; its errors name the file. The first step of a merge, apart so that a bad config
     * is reported before the command line's other options are checked.
     */
    public static MergeConfig read(Path config, boolean strict) {
        return parse(config, readConfig(config), strict);
    }

    /** Merges as {@code parsed} (read from the file {@code config}) says into {@code output}, which appears only when complete. */
    public void run(Path config, MergeConfig parsed, Path output, Settings settings) {
        List<CheckpointModelSource> opened = new ArrayList<>();
        try {
            MergekitPlan plan = MergekitPlan.build(parsed, settings.seed(), settings.planOptions(), HubCache::locate, path -> {
                CheckpointModelSource source = CheckpointModelSource.open(path.toString(), path);
                opened.add(source);
                return source;
            });
            plan.warnings().forEach(warnings);
            List<Path> inputs = new ArrayList<>(List.of(config));
            opened.forEach(source -> {
                inputs.add(source.checkpoint().directory());
                inputs.addAll(source.checkpoint().files());
            });
            try (OutputDirectory claimed = OutputDirectory.claim(output, inputs)) {
                write(parsed, plan, opened, settings, output, claimed);
            }
        } finally {
            opened.forEach(CheckpointModelSource::close);
        }
    }

    /** Hashes the inputs for the provenance, computes the merge into the claimed output's staging and publishes it. */
    private void write(MergeConfig parsed, MergekitPlan plan, List<CheckpointModelSource> opened, Settings settings,
                       Path output, OutputDirectory claimed) {
        Provenance provenance = new Provenance(parsed.mergeMethod(), "mergekit", parameters(parsed),
                Provenance.describe(opened.stream().map(CheckpointModelSource::name).toList(), opened,
                        FileDigests.standard(), engine.workers(), engine.progress()), settings.seed(),
                Provenance.software(Versions.amalgam(), LinearAlgebra.backend()));
        provenanceListener.accept(provenance);
        // a built tokenizer replaces the donor's (and is written even with --no-copy-tokenizer, as mergekit)
        boolean copyDonorTokenizer = settings.copyTokenizer() && plan.tokenizerFiles().isEmpty();
        Map<String, String> generated = new LinkedHashMap<>(plan.generatedFiles(copyDonorTokenizer, warnings));
        if (settings.writeModelCard()) {
            generated.put("mergekit_config.yml", plan.configText());
        }
        FusedModelSpec spec = new FusedModelSpec(output, plan.donorDirectory(), plan.torchDType(), plan.configUpdates(),
                copyDonorTokenizer, provenance, plan.configText(), generated, settings.writeModelCard());
        FusedModelWriter writer = new FusedModelWriter(engine);
        Path staging = claimed.stagingFor(writer.runKey(Map.of("", plan.jobs()), spec));
        writer.writeInto(staging, FusedModelWriter.titleOf(claimed.target()), plan.jobs(), spec);
        claimed.publish();
    }

    /** The parsed config; its errors name the config file. */
    private static MergeConfig parse(Path config, String text, boolean strict) {
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
