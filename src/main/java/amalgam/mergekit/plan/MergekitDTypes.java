package amalgam.mergekit.plan;

import amalgam.UserInputException;
import amalgam.tensor.DType;

/** The dtype names mergekit accepts for {@code dtype} / {@code out_dtype}: bfloat16, float16, float32, int64, optionally prefixed "torch.". */
final class MergekitDTypes {
    private MergekitDTypes() {
    }

    /** The dtype, or null when {@code name} is null; an error naming the key for anything else. */
    static DType parse(String name, String key) {
        if (name == null) {
            return null;
        }
        String bare = name.startsWith("torch.") ? name.substring("torch.".length()) : name;
        return switch (bare) {
            case "bfloat16" -> DType.BF16;
            case "float16" -> DType.F16;
            case "float32" -> DType.F32;
            case "int64" -> DType.I64;
            default -> throw new UserInputException("config key '" + key + "': unsupported dtype '" + name
                    + "' (accepted: bfloat16, float16, float32, int64, optionally prefixed 'torch.')");
        };
    }
}
