package amalgam.fusion;

import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.fusion.taskpool.TaskMetrics;
import amalgam.model.clip.FeatureCorrection;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * What a merged model carries beside its weights, saved in its folder: learned tables and model-sized learned tensors
 * ({@code NAME.safetensors} each),
 * per-task embedding corrections ({@value FeatureCorrection#FILE}, which evaluation of the folder applies) and the
 * task models' own heads of a backbone-only merge ({@code heads/}).
 */
record SideOutputs(List<LearnedCoefficients> learned, List<LearnedTensors> learnedTensors,
                   SequencedMap<String, FeatureCorrection> corrections, TaskHeads heads) {
    static final SideOutputs NONE = new SideOutputs(List.of(), List.of(), new LinkedHashMap<>(), TaskHeads.NONE);

    SideOutputs {
        learned = List.copyOf(learned);
        learnedTensors = List.copyOf(learnedTensors);
        corrections = new LinkedHashMap<>(corrections);
    }

    /** Only the task heads. */
    static SideOutputs heads(TaskHeads heads) {
        return new SideOutputs(List.of(), List.of(), new LinkedHashMap<>(), heads);
    }

    /** Writes the side files into the model's folder (before it is published). */
    void saveInto(Path directory) {
        for (LearnedCoefficients table : learned) {
            table.save(directory.resolve(table.name() + ".safetensors"), metadata("learned coefficients"));
        }
        for (LearnedTensors tensors : learnedTensors) {
            tensors.save(directory.resolve(tensors.name() + ".safetensors"), metadata("learned tensors"));
        }
        if (!corrections.isEmpty()) {
            FeatureCorrection.save(directory.resolve(FeatureCorrection.FILE), corrections, metadata("representation surgery"));
        }
        heads.saveInto(directory);
    }

    /**
     * With corrections, the merged model is also reported without them, under {@code adamerging} (FusionBench
     * evaluates both the AdaMerging model and the surgery model).
     */
    void evaluateUncorrected(ImageTaskPool taskPool, Path model, int threads, RunReport report) {
        if (taskPool == null || corrections.isEmpty()) {
            return;
        }
        report.putUncorrected(taskPool.evaluateWithoutCorrections(model, threads));
    }

    private static SequencedMap<String, String> metadata(String what) {
        SequencedMap<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("amalgam.output", what);
        return metadata;
    }
}
