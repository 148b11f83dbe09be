package amalgam.model.lm;

import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import amalgam.nn.TensorParameters;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A language model's weights checked against its config: every weight the forward reads is present, floating point
 * (F32, F16, BF16, ...) and of the expected shape; other tensors (GPT-2's {@code attn.bias} buffers, old Llama
 * {@code rotary_emb.inv_freq}, an lm_head a tied model ignores) are not read. A body weight may be stored with or
 * without its prefix ({@code transformer.h.0...} or {@code h.0...}), as bare-body checkpoints such as the hub's
 * {@code gpt2} are. Each weight is copied once into 64-byte-aligned float32 memory (the forward computes in float32,
 * and aligned copies keep BLAS results independent of the file's header length) and its mapped pages released.
 */
public final class LmWeights {
    private LmWeights() {
    }

    /**
     * Frozen parameters for {@code model}, keyed by the full Hugging Face names the forward asks for; with
     * {@code mapped} float32 weights are read in place from the source's mapping (which must stay open while the
     * parameters are used), F16/BF16 ones widened once into {@code arena}.
     */
    public static TensorParameters load(ModelSource source, LanguageModel model, Arena arena, boolean mapped) {
        return TensorParameters.frozen(tensors(source, model, arena, mapped));
    }

    /** The model's float32 weights by full name, copied into {@code arena} (writable, independent of the source). */
    public static Map<String, Tensor> tensors(ModelSource source, LanguageModel model, Arena arena) {
        return tensors(source, model, arena, false);
    }

    private static Map<String, Tensor> tensors(ModelSource source, LanguageModel model, Arena arena, boolean mapped) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> weight : model.weightShapes().entrySet()) {
            String name = weight.getKey();
            String stored = storedName(source, model, name);
            Tensor tensor = source.tensor(stored);
            if (!tensor.shape().equals(weight.getValue())) {
                throw new UserInputException("model '" + source.name() + "': tensor '" + stored + "' has shape " + tensor.shape()
                        + " but " + model.config().architecture().className() + " with this config.json needs "
                        + weight.getValue());
            }
            if (!tensor.dtype().isFloatingPoint()) {
                throw new UserInputException("model '" + source.name() + "': tensor '" + stored + "' is " + tensor.dtype()
                        + ", not a floating-point type");
            }
            if (mapped && tensor.dtype() == DType.F32) {
                tensors.put(name, tensor); // in place: no copy, and the pages stay mapped for the forwards
            } else {
                tensors.put(name, Convert.toF32(tensor, arena));
                source.release(stored);
            }
        }
        return tensors;
    }

    private static String storedName(ModelSource source, LanguageModel model, String name) {
        if (source.contains(name)) {
            return name;
        }
        String prefix = model.bodyPrefix();
        if (name.startsWith(prefix) && source.contains(name.substring(prefix.length()))) {
            return name.substring(prefix.length());
        }
        throw new UserInputException("model '" + source.name() + "' lacks tensor '" + name + "'"
                + (name.startsWith(prefix) ? " (also looked for '" + name.substring(prefix.length()) + "')" : "")
                + ", which " + model.config().architecture().className() + " with this config.json reads");
    }
}
