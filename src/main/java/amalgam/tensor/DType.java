package amalgam.tensor;

import amalgam.UserInputException;

/** Element types of the safetensors format, each with its byte size and its name in safetensors headers. */
public enum DType {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    F8_E4M3(1, true),
    F8_E5M2(1, true),
    I64(8, false),
    I32(4, false),
    I16(2, false),
    I8(1, false),
    U8(1, false),
    BOOL(1, false);

    private final int byteSize;
    private final boolean floatingPoint;

    DType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The name used in safetensors headers ("F32", "BF16", "F8_E4M3", ...). */
    public String safetensorsName() {
        return name();
    }

    /** The dtype for a safetensors header name, or a {@link UserInputException} naming the unknown one. */
    public static DType fromSafetensorsName(String name) {
        for (DType dtype : values()) {
            if (dtype.name().equals(name)) {
                return dtype;
            }
        }
        throw new UserInputException("unknown dtype '" + name + "'");
    }

    /** The dtype for a torch / mergekit / config.json name ("float32", "bfloat16", "torch.float16", "fp16"). */
    public static DType fromTorchName(String name) {
        String key = name.startsWith("torch.") ? name.substring("torch.".length()) : name;
        return switch (key) {
            case "float32", "float", "fp32", "f32", "F32" -> F32;
            case "float16", "half", "fp16", "f16", "F16" -> F16;
            case "bfloat16", "bf16", "BF16" -> BF16;
            case "float64", "double", "fp64", "F64" -> F64;
            case "int64", "long", "I64" -> I64;
            case "int32", "int", "I32" -> I32;
            case "int16", "short", "I16" -> I16;
            case "int8", "I8" -> I8;
            case "uint8", "U8" -> U8;
            case "bool", "BOOL" -> BOOL;
            case "float8_e4m3fn", "F8_E4M3" -> F8_E4M3;
            case "float8_e5m2", "F8_E5M2" -> F8_E5M2;
            default -> throw new UserInputException("unknown dtype '" + name + "'");
        };
    }

    /** The torch name as written in config.json's torch_dtype. */
    public String torchName() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case F8_E4M3 -> "float8_e4m3fn";
            case F8_E5M2 -> "float8_e5m2";
            case I64 -> "int64";
            case I32 -> "int32";
            case I16 -> "int16";
            case I8 -> "int8";
            case U8 -> "uint8";
            case BOOL -> "bool";
        };
    }
}
