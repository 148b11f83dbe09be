package amalgam.merge;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.List;

/**
 * A model source seen under another name (a pool's name for a checkpoint) or another {@link NonFiniteInputs}
 * policy; its tensors are the delegate's.
 */
record ModelSourceView(ModelSource delegate, String name, NonFiniteInputs nonFiniteInputs) implements ModelSource {
    @Override
    public List<String> tensorNames() {
        return delegate.tensorNames();
    }

    @Override
    public boolean contains(String tensorName) {
        return delegate.contains(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        return delegate.tensor(tensorName);
    }

    @Override
    public Shape shapeOf(String tensorName) {
        return delegate.shapeOf(tensorName);
    }

    @Override
    public DType dtypeOf(String tensorName) {
        return delegate.dtypeOf(tensorName);
    }

    @Override
    public void prefetch(String tensorName) {
        delegate.prefetch(tensorName);
    }

    @Override
    public void release(String tensorName) {
        delegate.release(tensorName);
    }
}
