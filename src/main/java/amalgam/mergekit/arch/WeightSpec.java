package amalgam.mergekit.arch;

import java.util.List;

/**
 * One tensor of an architecture, possibly a template containing {@code ${layer_index}}.
 *
 * @param name      the tensor name
 * @param isEmbed   indexed by vocabulary (embeddings, LM head): may differ in rows between models
 * @param optional  a model lacking it contributes nothing (instead of failing the merge)
 * @param aliases   other names the same tensor may be stored under
 * @param tiedNames names to read when the tensor is absent (e.g. the embeddings for a tied LM head); they do
 *                  not make an optional output tensor exist
 */
public record WeightSpec(String name, boolean isEmbed, boolean optional, List<String> aliases, List<String> tiedNames) {
    public static final String LAYER_INDEX = "${layer_index}";

    public WeightSpec {
        aliases = List.copyOf(aliases);
        tiedNames = List.copyOf(tiedNames);
    }

    public static WeightSpec plain(String name) {
        return new WeightSpec(name, false, false, List.of(), List.of());
    }

    /** This weight with {@code ${layer_index}} replaced in every name. */
    public WeightSpec atLayer(int layer) {
        String index = Integer.toString(layer);
        return new WeightSpec(name.replace(LAYER_INDEX, index), isEmbed, optional,
                aliases.stream().map(alias -> alias.replace(LAYER_INDEX, index)).toList(),
                tiedNames.stream().map(tied -> tied.replace(LAYER_INDEX, index)).toList());
    }

    /** The names to try when loading, in order: the name, its aliases, then its tied names. */
    public List<String> lookupNames() {
        return java.util.stream.Stream.of(List.of(name), aliases, tiedNames).flatMap(List::stream).toList();
    }
}
