package amalgam.mergekit.arch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A single-module architecture: weights before the layers, per-layer templates, weights after the layers, and the
 * {@code config.json} key holding the layer count (null for inferred architectures: count = max index + 1).
 */
public record Architecture(String name, List<WeightSpec> preWeights, List<WeightSpec> layerWeights,
                           List<WeightSpec> postWeights, String numLayersKey) {
    private static final Pattern LAYER_INDEX = Pattern.compile("\\.(\\d+)\\.");

    public Architecture {
        preWeights = List.copyOf(preWeights);
        layerWeights = List.copyOf(layerWeights);
        postWeights = List.copyOf(postWeights);
    }

    /**
     * Whether {@code other} describes the same tensors (the same weights and layer-count key, whatever its name), so
     * that models of both can be merged without {@code --allow-crimes} (Llama and Mistral, for instance).
     */
    public boolean sameWeights(Architecture other) {
        return preWeights.equals(other.preWeights) && layerWeights.equals(other.layerWeights)
                && postWeights.equals(other.postWeights) && java.util.Objects.equals(numLayersKey, other.numLayersKey);
    }

    /** The layer weights of layer {@code index}. */
    public List<WeightSpec> layer(int index) {
        return layerWeights.stream().map(weight -> weight.atLayer(index)).toList();
    }

    /**
     * Infers an architecture from tensor names (spec 4.5): the first {@code .<digits>.} marks the layer index and
     * becomes {@code ${layer_index}}; every other tensor is a pre-weight; a weight missing from some model is
     * optional. Embedding-like names ({@code embed_tokens}, {@code lm_head}, {@code wte}, {@code word_embeddings},
     * {@code embed_out}) are marked {@code is_embed}.
     */
    public static Architecture infer(List<List<String>> tensorNamesPerModel) {
        Map<String, Integer> counts = new TreeMap<>();
        for (List<String> names : tensorNamesPerModel) {
            for (String template : new TreeSet<>(names.stream().map(Architecture::template).toList())) {
                counts.merge(template, 1, Integer::sum);
            }
        }
        List<WeightSpec> pre = new ArrayList<>();
        List<WeightSpec> layer = new ArrayList<>();
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            String name = entry.getKey();
            boolean embed = name.contains("embed_tokens") || name.contains("lm_head") || name.contains("wte")
                    || name.contains("word_embeddings") || name.contains("embed_out");
            boolean optional = entry.getValue() < tensorNamesPerModel.size();
            WeightSpec weight = new WeightSpec(name, embed, optional, List.of(), List.of());
            (name.contains(WeightSpec.LAYER_INDEX) ? layer : pre).add(weight);
        }
        return new Architecture("inferred", pre, layer, List.of(), null);
    }

    /** Layer count of a model under an inferred architecture: max layer index + 1 (0 without layers). */
    public static int inferLayerCount(List<String> tensorNames) {
        int max = -1;
        for (String name : tensorNames) {
            Matcher matcher = LAYER_INDEX.matcher(name);
            if (matcher.find()) {
                max = Math.max(max, Integer.parseInt(matcher.group(1)));
            }
        }
        return max + 1;
    }

    private static String template(String name) {
        Matcher matcher = LAYER_INDEX.matcher(name);
        if (!matcher.find()) {
            return name;
        }
        return name.substring(0, matcher.start()) + "." + WeightSpec.LAYER_INDEX + "." + name.substring(matcher.end());
    }
}
