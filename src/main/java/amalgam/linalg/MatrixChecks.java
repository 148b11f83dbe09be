package amalgam.linalg;

import java.lang.foreign.MemorySegment;

/** Argument checks shared by the float32 and float64 kernels; messages name the operation and the shapes. */
final class MatrixChecks {
    private MatrixChecks() {
    }

    static int requireSquare(String operation, long rows, long cols) {
        if (rows != cols) {
            throw new IllegalArgumentException(operation + " needs a square matrix, got " + rows + "x" + cols);
        }
        return OpenBlas.dimension("n", rows);
    }

    static void requireWritable(String name, MemorySegment segment) {
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException(name + " is a read-only segment");
        }
    }

    static void requireDisjoint(String operation, MemorySegment output, MemorySegment input, String inputName) {
        if (output.asOverlappingSlice(input).isPresent()) {
            throw new IllegalArgumentException(operation + ": output C overlaps input " + inputName);
        }
    }
}
