package amalgam.mergekit.config;

import amalgam.UserInputException;
import java.util.Objects;

/**
 * A model named in a config: {@code PATH[@REVISION][+LORA_PATH[@REVISION]]} or the object form
 * {@code {model: {path, revision}, lora: {...}, override_architecture}}. Two references are equal iff path,
 * revision, LoRA and architecture override are equal (record equality).
 *
 * @param path                 local path (relative paths are resolved by the planner's resolver)
 * @param revision             the part after {@code @}, or null
 * @param lora                 a LoRA adapter to merge into the model first, or null
 * @param overrideArchitecture replaces {@code config.architectures} when the model's config is read, or null
 */
public record ModelReference(String path, String revision, ModelReference lora, String overrideArchitecture) {

    public ModelReference {
        Objects.requireNonNull(path, "path");
        if (path.isBlank()) {
            throw new UserInputException("empty model path in config");
        }
    }

    public static ModelReference of(String path) {
        return new ModelReference(path, null, null, null);
    }

    /** Parses the string form: split on '+' first (at most one), then each part on '@' (at most one). */
    public static ModelReference parse(String text) {
        String[] plus = text.split("\\+", -1);
        if (plus.length > 2) {
            throw new UserInputException("model reference '" + text + "' has more than one '+'");
        }
        ModelReference lora = plus.length == 2 ? parsePathAndRevision(plus[1], text) : null;
        ModelReference model = parsePathAndRevision(plus[0], text);
        return new ModelReference(model.path, model.revision, lora, null);
    }

    private static ModelReference parsePathAndRevision(String part, String whole) {
        String[] at = part.split("@", -1);
        if (at.length > 2) {
            throw new UserInputException("model reference '" + whole + "' has more than one '@'");
        }
        return new ModelReference(at[0], at.length == 2 ? at[1] : null, null, null);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(path);
        if (revision != null) {
            text.append('@').append(revision);
        }
        if (lora != null) {
            text.append('+').append(lora);
        }
        return text.toString();
    }
}
