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
 * A GPT-2 checkpoint read as Hugging Face's {@code GPT2Model} reads it: a checkpoint with a head
 * ({@code GPT2ForSequenceClassification}, {@code GPT2LMHeadModel} saved with {@code transformer.} names) gives its
 * {@code transformer.*} tensors without the prefix and no head; a bare backbone checkpoint (the hub's {@code gpt2})
 * gives its backbone tensors as they are. The attention masks some old checkpoints store ({@code attn.bias},
 * {@code attn.masked_bias}) are buffers, not weights, and are not part of the model.
 */
record Gpt2BackboneView(ModelSource delegate, Map<String, String> stored) implements ModelSource {
    private static final String PREFIX = "transformer.";
    private static final Set<String> BACKBONE = Set.of("wte", "wpe", "h", "ln_f");

    Gpt2BackboneView(ModelSource delegate) {
        this(delegate, backboneNames(delegate));
    }

    /** Backbone name -> stored name. */
    private static Map<String, String> backboneNames(ModelSource checkpoint) {
        boolean prefixed = checkpoint.tensorNames().stream().anyMatch(name -> name.startsWith(PREFIX));
        Map<String, String> names = new LinkedHashMap<>();
        for (String name : checkpoint.tensorNames()) {
            String backbone = prefixed ? (name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : null) : name;
            if (backbone != null && BACKBONE.contains(backbone.split("\\.", 2)[0]) && !backbone.endsWith(".attn.bias")
                    && !backbone.endsWith(".attn.masked_bias")) {
                names.put(backbone, name);
            }
        }
        if (names.isEmpty()) {
            throw new UserInputException("model '" + checkpoint.name() + "' has no GPT-2 backbone tensors (wte, wpe, h.*, ln_f,"
                    + " with or without 'transformer.')");
        }
        return Map.copyOf(names);
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
        return policy == nonFiniteInputs() ? this : new Gpt2BackboneView(delegate.withNonFiniteInputs(policy), stored);
    }

    @Override
    public ModelSource named(String newName) {
        return newName.equals(name()) ? this : new Gpt2BackboneView(delegate.named(newName), stored);
    }

    private String storedName(String tensorName) {
        String name = stored.get(tensorName);
        if (name == null) {
            throw new UserInputException("model '" + name() + "' is read as a GPT-2 backbone, which has no tensor '" + tensorName + "'");
        }
        return name;
    }
}
