package amalgam.model.clip;

import amalgam.UserInputException;
import amalgam.io.Checkpoint;
import amalgam.nn.Parameters;
import amalgam.nn.TensorParameters;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CLIP checkpoint checked against its config: every key the model reads is present with the expected shape
 * (legacy {@code position_ids} buffers and other extra keys are ignored). Weights are copied once into 64-byte
 * aligned float32 memory: mapped tensors sit at whatever offset the file's header length gives them, and BLAS and
 * vector kernels split their work by alignment, so results would otherwise differ in the last bits between two files
 * holding the same weights. Each tensor's mapped pages are released once copied.
 */
public final class ClipWeights {
    private ClipWeights() {
    }

    /** Where weights come from: a checkpoint, or a model of a fusion pool. */
    public interface Source {
        String displayName();

        boolean contains(String name);

        Tensor tensor(String name);

        void release(String name);

        static Source of(Checkpoint checkpoint) {
            return of(checkpoint.displayName(), checkpoint::contains, checkpoint::tensor, checkpoint::release);
        }

        /** A source from its four operations (a checkpoint's, a pool model's). */
        static Source of(String displayName, java.util.function.Predicate<String> contains,
                         java.util.function.Function<String, Tensor> tensor, java.util.function.Consumer<String> release) {
            return new Source() {
                public String displayName() {
                    return displayName;
                }

                public boolean contains(String name) {
                    return contains.test(name);
                }

                public Tensor tensor(String name) {
                    return tensor.apply(name);
                }

                public void release(String name) {
                    release.accept(name);
                }
            };
        }
    }

    /** Frozen parameters for the model; {@code withVisualProjection} requires visual_projection too. */
    public static Parameters load(Checkpoint checkpoint, ClipConfig config, boolean withVisualProjection, Arena arena) {
        return TensorParameters.frozen(tensors(Source.of(checkpoint), config, withVisualProjection, arena));
    }

    /** The model's float32 weights by key, checked against the config, copied into {@code arena}. */
    public static Map<String, Tensor> tensors(Source checkpoint, ClipConfig config, boolean withVisualProjection, Arena arena) {
        return tensors(checkpoint, config, withVisualProjection, name -> true, arena);
    }

    /** As above, for the keys {@code names} accepts only. */
    public static Map<String, Tensor> tensors(Source checkpoint, ClipConfig config, boolean withVisualProjection,
                                              java.util.function.Predicate<String> names, Arena arena) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> key : ClipKeys.expected(config, withVisualProjection).entrySet()) {
            String name = key.getKey();
            if (!names.test(name)) {
                continue;
            }
            if (!checkpoint.contains(name)) {
                throw new UserInputException("CLIP checkpoint '" + checkpoint.displayName() + "' is missing key '" + name + "'");
            }
            Tensor stored = checkpoint.tensor(name);
            if (!stored.shape().equals(key.getValue())) {
                throw new UserInputException("CLIP checkpoint '" + checkpoint.displayName() + "': key '" + name + "' has shape "
                        + stored.shape() + " but the config needs " + key.getValue());
            }
            if (!stored.dtype().isFloatingPoint()) {
                throw new UserInputException("CLIP checkpoint '" + checkpoint.displayName() + "': key '" + name + "' is "
                        + stored.dtype() + ", not a float type");
            }
            tensors.put(name, Convert.toF32(stored, arena));
            checkpoint.release(name); // the copy is what runs: the mapped pages need not stay resident
        }
        return tensors;
    }
}
