package amalgam.data.hub;

import amalgam.UserInputException;
import amalgam.io.StrictJson;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a parquet file written by {@code datasets} says of its columns: the schema's key-value metadata
 * {@code huggingface} holds {@code {"info": {"features": {"image": {"_type": "Image"}, "label": {"names": [...],
 * "_type": "ClassLabel"}}}}} ({@code Features.arrow_schema}).
 *
 * @param labelNames the label column's class names in label order, when it is a {@code ClassLabel}
 */
record HfFeatures(Optional<List<String>> labelNames) {
    /** The parquet metadata key datasets writes its features under. */
    static final String METADATA_KEY = "huggingface";

    static HfFeatures none() {
        return new HfFeatures(Optional.empty());
    }

    /**
     * Parses the metadata value of {@code source}; the {@code image} column, when described, must be an
     * {@code Image}.
     */
    static HfFeatures parse(byte[] json, String imageColumn, String labelColumn, String source) {
        JsonNode features = StrictJson.parse(json, "the '" + METADATA_KEY + "' metadata of " + source).path("info").path("features");
        JsonNode image = features.path(imageColumn);
        if (!image.isMissingNode() && !"Image".equals(image.path("_type").asText())) {
            throw new UserInputException(source + ": column '" + imageColumn + "' is a " + image.path("_type").asText("?")
                    + " feature, not an Image");
        }
        JsonNode label = features.path(labelColumn);
        if (!"ClassLabel".equals(label.path("_type").asText()) || !label.path("names").isArray()) {
            return none();
        }
        List<String> names = new ArrayList<>();
        for (JsonNode name : label.path("names")) {
            if (!name.isTextual()) {
                throw new UserInputException(source + ": a class name of column '" + labelColumn + "' is not a string: " + name);
            }
            names.add(name.asText());
        }
        return new HfFeatures(Optional.of(List.copyOf(names)));
    }
}
