package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import amalgam.merge.NonFiniteInputs;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint read as Hugging Face reads it into a sub-model class: some of its tensors, perhaps under other names.
 *
 * <ul>
 *   <li>{@link #visionTower}: {@code CLIPVisionModel} — only {@code vision_model.*}; a full {@code CLIPModel}'s text
 *       tower, projections and {@code logit_scale} are not part of the model (FusionBench loads every CLIP pool entry
 *       this way).</li>
 *   <li>{@link #gpt2Backbone}: {@code GPT2Model} — a checkpoint with a head ({@code GPT2ForSequenceClassification},
 *       {@code GPT2LMHeadModel} saved with {@code transformer.} names) gives its {@code transformer.*} tensors without
 *       the prefix and no head; a bare backbone (the hub's {@code gpt2}) gives its tensors as they are. The attention
 *       masks old checkpoints store ({@code attn.bias}, {@code attn.masked_bias}) are buffers, not weights.</li>
 * </ul>
 *
 * @param delegate the checkpoint
 * @param stored   the sub-model's tensor names, each with its name in the checkpoint
 * @param kind     what the checkpoint is read as, for errors ("a CLIP vision model")
 */
record SubModelView(ModelSource delegate, Map<String, String> stored, String kind) implements ModelSource {
    private static final String VISION_PREFIX = "vision_model.";
    private static final String GPT2_PREFIX = "transformer.";
    private static final Set<String> GPT2_BACKBONE = Set.of("wte", "wpe", "h", "ln_f");

    static SubModelView visionTower(ModelSource checkpoint) {
        Map<String, String> names = new LinkedHashMap<>();
        checkpoint.tensorNames().stream().filter(name -> name.startsWith(VISION_PREFIX)).forEach(name -> names.put(name, name));
        return new SubModelView(checkpoint, Map.copyOf(names), "a CLIP vision model");
    }

    static SubModelView gpt2Backbone(ModelSource checkpoint) {
        boolean prefixed = checkpoint.tensorNames().stream().anyMatch(name -> name.startsWith(GPT2_PREFIX));
        Map<String, String> names = new LinkedHashMap<>();
        for (String name : checkpoint.tensorNames()) {
            String backbone = prefixed ? (name.startsWith(GPT2_PREFIX) ? name.substring(GPT2_PREFIX.length()) : null) : name;
            if (backbone != null && GPT2_BACKBONE.contains(backbone.split("\\.", 2)[0]) && !backbone.endsWith(".attn.bias")
                    && !backbone.endsWith(".attn.masked_bias")) {
                names.put(backbone, name);
            }
        }
        if (names.isEmpty()) {
            throw new UserInputException("model '" + checkpoint.name() + "' has no GPT-2 backbone tensors (wte, wpe, h.*, ln_f,"
                    + " with or without 'transformer.')");
        }
        return new SubModelView(checkpoint, Map.copyOf(names), "a GPT-2 backbone");
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public List<String> tensorNames() {
        return stored.keySet().stream().sorted().toList();
    }

    @Override
    public boolean contains(String tensorName) {
        return stored.containsKey(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        return delegate.tensor(storedName(tensorName));
    }

    @Override
    public Shape shapeOf(String tensorName) {
        return delegate.shapeOf(storedName(tensorName));
    }

    @Override
    public DType dtypeOf(String tensorName) {
        return delegate.dtypeOf(storedName(tensorName));
    }

    @Override
    public void prefetch(String tensorName) {
        delegate.prefetch(storedName(tensorName));
    }

    @Override
    public void release(String tensorName) {
        if (stored.containsKey(tensorName)) {
            delegate.release(stored.get(tensorName));
        }
    }

    @Override
    public NonFiniteInputs nonFiniteInputs() {
        return delegate.nonFiniteInputs();
    }

    @Override
    public ModelSource withNonFiniteInputs(NonFiniteInputs policy) {
        return policy == nonFiniteInputs() ? this : new SubModelView(delegate.withNonFiniteInputs(policy), stored, kind);
    }

    @Override
    public ModelSource named(String newName) {
        return newName.equals(name()) ? this : new SubModelView(delegate.named(newName), stored, kind);
    }

    private String storedName(String tensorName) {
        String name = stored.get(tensorName);
        if (name == null) {
            throw new UserInputException("model '" + name() + "' is read as " + kind + ", which has no tensor '" + tensorName + "'");
        }
        return name;
    }
}
