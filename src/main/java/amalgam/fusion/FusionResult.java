package amalgam.fusion;

import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.model.clip.EnsembleEmbedder;
import amalgam.model.clip.FeatureCorrection;
import amalgam.model.moe.MixtureDescription;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * What a fusion method produces. A run writes each kind in its own layout and evaluates it on the task pool:
 * one checkpoint, one checkpoint of a new architecture, one checkpoint per task, one per continual step, the
 * members of an ensemble, or a mixture of experts.
 */
public sealed interface FusionResult {
    /**
     * One fused checkpoint, given as per-tensor jobs the engine writes, with what the method learned on the way
     * (AdaMerging's coefficients, ...), saved beside the model and shown in the report, and per-task corrections of
     * its image embeddings (representation surgery; empty for a plain model), saved beside it too.
     */
    record MergedModel(List<TensorJob> jobs, List<LearnedCoefficients> learned, List<LearnedTensors> learnedTensors,
                       SequencedMap<String, FeatureCorrection> corrections) implements FusionResult {
        public MergedModel {
            jobs = List.copyOf(jobs);
            learned = List.copyOf(learned);
            learnedTensors = List.copyOf(learnedTensors);
            corrections = new LinkedHashMap<>(corrections);
        }

        public MergedModel(List<TensorJob> jobs, List<LearnedCoefficients> learned,
                           SequencedMap<String, FeatureCorrection> corrections) {
            this(jobs, learned, List.of(), corrections);
        }

        public MergedModel(List<TensorJob> jobs, List<LearnedCoefficients> learned) {
            this(jobs, learned, new LinkedHashMap<>());
        }

        public MergedModel(List<TensorJob> jobs) {
            this(jobs, List.of());
        }
    }

    /**
     * One checkpoint of another architecture than its inputs (a deeper model, a mixture of experts): the jobs write
     * its tensors under their new names and {@code config} makes its config.json from the reference model's.
     */
    record RestructuredModel(List<TensorJob> jobs, ConfigRewrite config) implements FusionResult {
        public RestructuredModel {
            jobs = List.copyOf(jobs);
        }
    }

    /** One checkpoint per task, keyed by task (model) name in pool order; task i is evaluated with its own model. */
    record PerTaskModels(SequencedMap<String, List<TensorJob>> models) implements FusionResult {
        public PerTaskModels {
            models = new LinkedHashMap<>(models);
        }
    }

    /**
     * A continual method's model after every step, keyed by the task model each step adds, in merge order (the last is
     * the final model), and what the run keeps of them.
     */
    record ContinualSteps(SequencedMap<String, List<TensorJob>> steps, StepOutputs kept) implements FusionResult {
        public ContinualSteps {
            steps = new LinkedHashMap<>(steps);
        }
    }

    /**
     * An ensemble of whole models, combined at their vision towers' pooled features (FusionBench's CLIP ensembles):
     * the weighted sum (weights of the members, already normalized if asked) or the element-wise maximum.
     */
    record Ensemble(List<ModelSource> members, List<Double> weights, EnsembleEmbedder.Combination combination)
            implements FusionResult {
        public Ensemble {
            members = List.copyOf(members);
            weights = List.copyOf(weights);
            if (weights.size() != members.size()) {
                throw new IllegalArgumentException(weights.size() + " weights for " + members.size() + " members");
            }
        }
    }

    /**
     * A mixture of experts (SMILE upscaling; the kind WEMoE-like methods add to): one checkpoint whose jobs write every
     * tensor (the shared weights under their plain names, the experts' and routers' beside them), saved with the
     * description of what those tensors form ({@code moe.json}, {@link amalgam.model.moe.MoeCheckpoint}) and evaluated
     * as the mixture it describes.
     */
    record Mixture(List<TensorJob> jobs, MixtureDescription description) implements FusionResult {
        public Mixture {
            jobs = List.copyOf(jobs);
        }
    }
}
