package amalgam.model.clip;

import amalgam.nn.Graph;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;

/**
 * Representation surgery's per-task correction of a merged model's image embedding (Yang et al. 2024): with z the
 * L2-normalized embedding [B, P], ẑ = z − up(ReLU(down(z))), down [r, P] and up [P, r] without biases (r = 16 in
 * FusionBench). ẑ is not normalized again: the head's logits are exp(logit_scale) · ẑ · headᵀ.
 *
 * @param down [r, P]
 * @param up   [P, r]
 */
public record FeatureCorrection(Tensor down, Tensor up) {
    public FeatureCorrection {
        if (down.shape().rank() != 2 || up.shape().rank() != 2 || down.shape().dim(0) != up.shape().dim(1)
                || down.shape().dim(1) != up.shape().dim(0)) {
            throw new IllegalArgumentException("correction down " + down.shape() + " and up " + up.shape() + " do not fit");
        }
    }

    /** ẑ of normalized embeddings {@code z} [B, P], in {@code graph} (trainable when down and up are parameters). */
    public static Var apply(Graph graph, Var z, Var down, Var up) {
        return graph.subtract(z, graph.linear(graph.relu(graph.linear(z, down, null)), up, null));
    }

    /** The file beside a merged model that holds each task's correction ({@code TASK.down}, {@code TASK.up}). */
    public static final String FILE = "representation_surgery.safetensors";

    /** Writes the corrections by task, atomically. */
    public static void save(java.nio.file.Path file, java.util.SequencedMap<String, FeatureCorrection> corrections,
                            java.util.SequencedMap<String, String> metadata) {
        java.util.List<amalgam.io.TensorEntry> entries = new java.util.ArrayList<>();
        corrections.forEach((task, correction) -> {
            entries.add(new amalgam.io.TensorEntry(task + ".down", amalgam.tensor.DType.F32, correction.down().shape()));
            entries.add(new amalgam.io.TensorEntry(task + ".up", amalgam.tensor.DType.F32, correction.up().shape()));
        });
        try (amalgam.io.SafetensorsWriter writer = amalgam.io.SafetensorsWriter.create(file, entries, metadata)) {
            corrections.forEach((task, correction) -> {
                writer.write(task + ".down", correction.down());
                writer.write(task + ".up", correction.up());
            });
            writer.commit();
        }
    }

    /** The corrections of {@code tasks} saved by {@link #save}, copied into {@code arena}; a task without one is bad input. */
    public static java.util.Map<String, FeatureCorrection> load(java.nio.file.Path file, java.util.List<String> tasks,
                                                                java.lang.foreign.Arena arena) {
        java.util.Map<String, FeatureCorrection> corrections = new java.util.LinkedHashMap<>();
        try (amalgam.io.SafetensorsFile stored = amalgam.io.SafetensorsFile.open(file)) {
            for (String task : tasks) {
                if (stored.find(task + ".down").isEmpty() || stored.find(task + ".up").isEmpty()) {
                    throw new amalgam.UserInputException("'" + file + "' has no correction for task '" + task + "'");
                }
                try {
                    corrections.put(task, new FeatureCorrection(amalgam.tensor.kernel.Convert.toF32(stored.tensor(task + ".down"), arena),
                            amalgam.tensor.kernel.Convert.toF32(stored.tensor(task + ".up"), arena)));
                } catch (IllegalArgumentException mismatch) {
                    throw new amalgam.UserInputException("'" + file + "': task '" + task + "': " + mismatch.getMessage(), mismatch);
                }
            }
        }
        return corrections;
    }

    /** ẑ with this correction's fixed weights. */
    public Var apply(Graph graph, Var z) {
        return apply(graph, z, Var.constant(down), Var.constant(up));
    }
}
