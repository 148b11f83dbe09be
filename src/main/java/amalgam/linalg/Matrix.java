package amalgam.linalg;

import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A dense row-major float32 matrix over a segment of {@code rows * cols * 4} bytes (no ownership). */
public record Matrix(long rows, long cols, MemorySegment data) {
    public Matrix {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix dimensions must be >= 0, got " + rows + "x" + cols);
        }
        if (data.byteSize() != rows * cols * Float.BYTES) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + rows * cols * Float.BYTES
                    + " bytes, segment has " + data.byteSize());
        }
    }

    /** A zero matrix in the arena, 64-byte aligned. */
    public static Matrix allocate(Arena arena, long rows, long cols) {
        return new Matrix(rows, cols, arena.allocate(rows * cols * Float.BYTES, 64));
    }

    /** A view of a 2-D F32 tensor (no copy). */
    public static Matrix of(Tensor tensor) {
        if (tensor.dtype() != DType.F32 || tensor.shape().rank() != 2) {
            throw new IllegalArgumentException("need a 2-D F32 tensor, got " + tensor);
        }
        return new Matrix(tensor.shape().dim(0), tensor.shape().dim(1), tensor.data());
    }

    public Tensor asTensor() {
        return Tensor.of(DType.F32, Shape.of(rows, cols), data);
    }

    public float get(long row, long col) {
        return data.getAtIndex(Layouts.F32, row * cols + col);
    }

    public void set(long row, long col, float value) {
        data.setAtIndex(Layouts.F32, row * cols + col, value);
    }
}
