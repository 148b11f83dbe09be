package amalgam.mergekit.method;

import amalgam.tensor.Shape;

/** A method's result: float32 values, row-major in {@code shape}. */
public record MergedTensor(Shape shape, float[] values) {
}
