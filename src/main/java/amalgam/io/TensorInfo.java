package amalgam.io;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;

/**
 * One tensor of a safetensors header.
 *
 * @param begin byte offset of the first element, relative to the start of the data buffer
 * @param end   byte offset one past the last element
 */
public record TensorInfo(String name, DType dtype, Shape shape, long begin, long end) {
    public long byteSize() {
        return end - begin;
    }
}
