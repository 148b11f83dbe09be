package amalgam.merge;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.List;

/**
 * A model as the merge methods see it: named tensors read lazily (for checkpoints, zero-copy mapped slices in
 * their stored dtype). {@link #release} tells the source a tensor's memory is no longer needed.
 */
public interface ModelSource {
    /** The model's name in its pool ("_pretrained_", "sun397", ...) or its reference in a mergekit config. */
    String name();

    /** Every tensor name, sorted. */
    List<String> tensorNames();

    boolean contains(String tensorName);

    /** The tensor in its stored dtype; a {@link amalgam.UserInputException} naming model and tensor if absent. */
    Tensor tensor(String tensorName);

    /** The tensor's shape, without reading it (a source that computes its tensors does not compute this one). */
    default Shape shapeOf(String tensorName) {
        Tensor tensor = tensor(tensorName);
        try {
            return tensor.shape();
        } finally {
            release(tensorName);
        }
    }

    /** The tensor's dtype, without reading it. */
    default DType dtypeOf(String tensorName) {
        Tensor tensor = tensor(tensorName);
        try {
            return tensor.dtype();
        } finally {
            release(tensorName);
        }
    }

    /** Hint that the whole tensor is about to be read (a mapped source maps its pages in one go). */
    default void prefetch(String tensorName) {
    }

    default void release(String tensorName) {
    }

    /** What readers of this model do with NaN and infinities in its weights (refuse them unless told otherwise). */
    default NonFiniteInputs nonFiniteInputs() {
        return NonFiniteInputs.REFUSE;
    }

    /** This model read under {@code policy} (itself when that is its policy already). */
    default ModelSource withNonFiniteInputs(NonFiniteInputs policy) {
        return policy == nonFiniteInputs() ? this : new ModelSourceView(this, name(), policy);
    }

    /** This model under another name (itself when that is its name already). */
    default ModelSource named(String newName) {
        return newName.equals(name()) ? this : new ModelSourceView(this, newName, nonFiniteInputs());
    }
}
