package amalgam.mergekit.config;

import java.util.List;
import java.util.Map;

/**
 * A parsed {@code mergekit-yaml} configuration (spec 1.1). Exactly one of {@code models} / {@code slices} is
 * non-empty. Dtype names are kept as written: they are validated when first used (by the planner), as mergekit
 * does.
 *
 * @param mergeMethod     registry name of the merge method
 * @param models          {@code models:} entries (empty with slices)
 * @param slices          {@code slices:} entries (empty with models)
 * @param baseModel       {@code base_model}, or null
 * @param parameters      top-level (lowest precedence) parameters
 * @param dtype           working dtype name, or null
 * @param outDtype        output dtype name, or null
 * @param tokenizer       the {@code tokenizer:} section or {@code tokenizer_source}, or null to keep the donor's
 *                        tokenizer and the embeddings as they are
 * @param chatTemplate    {@code chat_template}, or null
 * @param text            the configuration text verbatim (for the model card / mergekit_config.yml)
 * @param warnings        keys that were accepted but have no effect
 */
public record MergeConfig(
        String mergeMethod,
        List<InputModel> models,
        List<OutputSlice> slices,
        ModelReference baseModel,
        Map<String, ParameterSetting> parameters,
        String dtype,
        String outDtype,
        TokenizerSettings tokenizer,
        String chatTemplate,
        String text,
        List<String> warnings) {

    public MergeConfig {
        models = List.copyOf(models);
        slices = List.copyOf(slices);
        parameters = Map.copyOf(parameters);
        warnings = List.copyOf(warnings);
    }
}
