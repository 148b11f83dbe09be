package amalgam.linalg;

import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A dense row-major float64 matrix over a segment of {@code rows * cols * 8} bytes (no ownership). Used where float32
 * round-off matters, e.g. calibrating singular values.
 */
public record MatrixD(long rows, long cols, MemorySegment data) {
    public MatrixD {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix dimensions must be >= 0, got " + rows + "x" + cols);
        }
        if (data.byteSize() != rows * cols * Double.BYTES) {
            throw new IllegalArgumentException("float64 matrix " + rows + "x" + cols + " needs " + rows * cols * Double.BYTES
                    + " bytes, segment has " + data.byteSize());
        }
    }

    /** A zero matrix in the arena, 64-byte aligned. */
    public static MatrixD allocate(Arena arena, long rows, long cols) {
        return new MatrixD(rows, cols, arena.allocate(rows * cols * Double.BYTES, 64));
    }

    /** A float64 copy of a float32 matrix, in the arena. */
    public static MatrixD copyOf(Arena arena, Matrix source) {
        MatrixD result = allocate(arena, source.rows(), source.cols());
        long count = source.rows() * source.cols();
        for (long i = 0; i < count; i++) {
            result.data.setAtIndex(Layouts.F64, i, source.data().getAtIndex(Layouts.F32, i));
        }
        return result;
    }

    /** This matrix rounded to float32, in the arena. */
    public Matrix toFloat(Arena arena) {
        Matrix result = Matrix.allocate(arena, rows, cols);
        long count = rows * cols;
        for (long i = 0; i < count; i++) {
            result.data().setAtIndex(Layouts.F32, i, (float) data.getAtIndex(Layouts.F64, i));
        }
        return result;
    }

    /** The dtype of the elements (always F64). */
    public DType dtype() {
        return DType.F64;
    }

    public double get(long row, long col) {
        return data.getAtIndex(Layouts.F64, row * cols + col);
    }

    public void set(long row, long col, double value) {
        data.setAtIndex(Layouts.F64, row * cols + col, value);
    }
}
