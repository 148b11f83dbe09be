package amalgam.tensor;

import amalgam.UserInputException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A dense, row-major, little-endian tensor: a dtype, a shape and a {@link MemorySegment} holding exactly
 * {@code shape.byteSize(dtype)} bytes. The segment may be on the heap, off-heap or a slice of a mapped file;
 * a tensor never owns its memory (the arena or the mapped file's handle does). Indexing is by long, so
 * tensors beyond 2^31 elements work.
 */
public final class Tensor {
    private final DType dtype;
    private final Shape shape;
    private final MemorySegment data;

    private Tensor(DType dtype, Shape shape, MemorySegment data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /** Wraps a segment; its byte size must equal the shape's element count times the dtype size. */
    public static Tensor of(DType dtype, Shape shape, MemorySegment data) {
        long expected = shape.byteSize(dtype);
        if (data.byteSize() != expected) {
            throw new UserInputException("tensor of " + dtype + " " + shape + " needs " + expected
                    + " bytes but its data has " + data.byteSize());
        }
        return new Tensor(dtype, shape, data);
    }

    /** A zero-filled tensor allocated in the arena (64-byte aligned for vector loads). */
    public static Tensor allocate(Arena arena, DType dtype, Shape shape) {
        return new Tensor(dtype, shape, arena.allocate(shape.byteSize(dtype), 64));
    }

    /** A heap-backed F32 tensor holding a copy of the values. */
    public static Tensor ofFloats(float[] values, long... dims) {
        Shape shape = Shape.of(dims);
        Tensor tensor = new Tensor(DType.F32, shape, MemorySegment.ofArray(new byte[Math.toIntExact(shape.byteSize(DType.F32))]));
        if (values.length != shape.elementCount()) {
            throw new IllegalArgumentException(values.length + " values for shape " + shape);
        }
        for (int i = 0; i < values.length; i++) {
            tensor.setFloat(i, values[i]);
        }
        return tensor;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    public MemorySegment data() {
        return data;
    }

    public long elementCount() {
        return shape.elementCount();
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** The element at a flat index, converted to float32 (integers and booleans by value). */
    public float getFloat(long index) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(Layouts.F32, index);
            case F64 -> (float) data.getAtIndex(Layouts.F64, index);
            case BF16 -> FloatFormats.bf16ToF32(data.getAtIndex(Layouts.I16, index));
            case F16 -> FloatFormats.f16ToF32(data.getAtIndex(Layouts.I16, index));
            case F8_E4M3 -> FloatFormats.f8e4m3ToF32(data.get(Layouts.I8, index));
            case F8_E5M2 -> FloatFormats.f8e5m2ToF32(data.get(Layouts.I8, index));
            case I64 -> data.getAtIndex(Layouts.I64, index);
            case I32 -> data.getAtIndex(Layouts.I32, index);
            case I16 -> data.getAtIndex(Layouts.I16, index);
            case I8 -> data.get(Layouts.I8, index);
            case U8 -> data.get(Layouts.I8, index) & 0xFF;
            case BOOL -> data.get(Layouts.I8, index) != 0 ? 1f : 0f;
        };
    }

    /** Stores a float32 value at a flat index, narrowing to the dtype (round to nearest even for floats). */
    public void setFloat(long index, float value) {
        switch (dtype) {
            case F32 -> data.setAtIndex(Layouts.F32, index, value);
            case F64 -> data.setAtIndex(Layouts.F64, index, value);
            case BF16 -> data.setAtIndex(Layouts.I16, index, FloatFormats.f32ToBf16(value));
            case F16 -> data.setAtIndex(Layouts.I16, index, FloatFormats.f32ToF16(value));
            case F8_E4M3 -> data.set(Layouts.I8, index, FloatFormats.f32ToF8e4m3(value));
            case F8_E5M2 -> data.set(Layouts.I8, index, FloatFormats.f32ToF8e5m2(value));
            case I64 -> data.setAtIndex(Layouts.I64, index, (long) value);
            case I32 -> data.setAtIndex(Layouts.I32, index, (int) value);
            case I16 -> data.setAtIndex(Layouts.I16, index, (short) value);
            case I8, U8 -> data.set(Layouts.I8, index, (byte) value);
            case BOOL -> data.set(Layouts.I8, index, (byte) (value != 0 ? 1 : 0));
        }
    }

    /** All elements as a float array (small tensors only: tests, configs, heads). */
    public float[] toFloatArray() {
        float[] values = new float[Math.toIntExact(elementCount())];
        for (int i = 0; i < values.length; i++) {
            values[i] = getFloat(i);
        }
        return values;
    }

    /** A view with another shape of the same element count (no copy). */
    public Tensor reshape(Shape newShape) {
        if (newShape.elementCount() != elementCount()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + newShape);
        }
        return new Tensor(dtype, newShape, data);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + shape + "]";
    }
}
