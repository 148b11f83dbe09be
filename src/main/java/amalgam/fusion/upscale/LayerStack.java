package amalgam.fusion.upscale;

import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A model's layer list as its tensor names show it: the family and, for every layer, the names of its tensors
 * relative to the layer ({@code self_attn.q_proj.weight}). Layers are numbered 0 to L - 1 without gaps.
 *
 * @param architecture  the family (where the layers live)
 * @param layerTensors  per layer, in layer order, its tensor names after {@code prefix + i + "."}
 */
record LayerStack(LayeredArchitecture architecture, List<List<String>> layerTensors) {
    LayerStack {
        layerTensors = layerTensors.stream().map(List::copyOf).toList();
    }

    /** The layer list of {@code model}; bad input naming the supported families when it has none. */
    static LayerStack of(ModelSource model, String method) {
        for (LayeredArchitecture architecture : LayeredArchitecture.values()) {
            TreeMap<Integer, List<String>> layers = new TreeMap<>();
            for (String name : model.tensorNames()) {
                if (name.startsWith(architecture.prefix())) {
                    String rest = name.substring(architecture.prefix().length());
                    int dot = rest.indexOf('.');
                    Integer index = dot > 0 ? layerIndex(rest.substring(0, dot)) : null;
                    if (index == null) {
                        throw new UserInputException("method '" + method + "': model '" + model.name() + "' has tensor '" + name
                                + "', which is not inside a numbered layer of " + architecture.prefix() + "N.");
                    }
                    layers.computeIfAbsent(index, i -> new ArrayList<>()).add(rest.substring(dot + 1));
                }
            }
            if (!layers.isEmpty()) {
                if (layers.lastKey() != layers.size() - 1) {
                    int missing = 0;
                    while (layers.containsKey(missing)) {
                        missing++;
                    }
                    throw new UserInputException("method '" + method + "': model '" + model.name() + "' has tensors of layer "
                            + layers.lastKey() + " under " + architecture.prefix() + " but none of layer " + missing);
                }
                return new LayerStack(architecture, List.copyOf(layers.values()));
            }
        }
        throw new UserInputException("method '" + method + "' rebuilds the layer list of a CLIP vision model (tensors"
                + " vision_model.encoder.layers.N.*) or of a LLaMA, Mistral or Qwen2 causal LM (model.layers.N.*); model '"
                + model.name() + "' has neither");
    }

    int size() {
        return layerTensors.size();
    }

    /** The full name of tensor {@code relative} of layer {@code layer}. */
    String name(int layer, String relative) {
        return architecture.prefix() + layer + "." + relative;
    }

    /** Whether {@code name} belongs to a layer of the stack. */
    boolean contains(String name) {
        return name.startsWith(architecture.prefix());
    }

    /** A decimal layer number without sign or leading zeros (as PyTorch names module list entries), else null. */
    private static Integer layerIndex(String text) {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || text.length() > 1 && text.charAt(0) == '0') {
            return null;
        }
        return Integer.parseInt(text);
    }
}
