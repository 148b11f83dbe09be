package amalgam.io;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;

/** A tensor to be written: its name, dtype and shape (the data comes later, streamed). */
public record TensorEntry(String name, DType dtype, Shape shape) {
    public long byteSize() {
        return shape.byteSize(dtype);
    }
}
