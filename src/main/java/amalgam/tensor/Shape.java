package amalgam.tensor;

import amalgam.UserInputException;
import java.util.Arrays;

/** An immutable tensor shape with long dimensions; the element count is computed overflow-checked once. */
public final class Shape {
    private final long[] dims;
    private final long elementCount;

    private Shape(long[] dims) {
        this.dims = dims;
        long count = 1;
        for (long dim : dims) {
            if (dim < 0) {
                throw new UserInputException("negative dimension in shape " + Arrays.toString(dims));
            }
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException overflow) {
                throw new UserInputException("shape " + Arrays.toString(dims) + " has more than 2^63 elements");
            }
        }
        this.elementCount = count;
    }

    public static Shape of(long... dims) {
        return new Shape(dims.clone());
    }

    public static Shape of(int... dims) {
        return new Shape(Arrays.stream(dims).asLongStream().toArray());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int axis) {
        return dims[axis < 0 ? dims.length + axis : axis];
    }

    public long[] toArray() {
        return dims.clone();
    }

    public long elementCount() {
        return elementCount;
    }

    /** Bytes needed for this shape at a dtype, overflow-checked. */
    public long byteSize(DType dtype) {
        try {
            return Math.multiplyExact(elementCount, (long) dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new UserInputException("shape " + this + " of " + dtype + " is larger than 2^63 bytes");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Shape shape && Arrays.equals(dims, shape.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
