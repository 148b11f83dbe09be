package amalgam.merge;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;

/** A model read from a safetensors checkpoint: tensors are zero-copy mapped slices, released after use. */
public final class CheckpointModelSource implements ModelSource, AutoCloseable {
    private final String name;
    private final Checkpoint checkpoint;
    private final List<String> names;

    public CheckpointModelSource(String name, Checkpoint checkpoint) {
        this.name = name;
        this.checkpoint = checkpoint;
        this.names = checkpoint.tensors().stream().map(TensorInfo::name).toList();
    }

    public static CheckpointModelSource open(String name, Path reference) {
        return new CheckpointModelSource(name, Checkpoint.open(reference));
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> tensorNames() {
        return names;
    }

    @Override
    public boolean contains(String tensorName) {
        return checkpoint.contains(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        return checkpoint.tensor(tensorName);
    }

    @Override
    public Shape shapeOf(String tensorName) {
        return checkpoint.info(tensorName).shape();
    }

    @Override
    public DType dtypeOf(String tensorName) {
        return checkpoint.info(tensorName).dtype();
    }

    @Override
    public void prefetch(String tensorName) {
        checkpoint.prefetch(tensorName);
    }

    @Override
    public void release(String tensorName) {
        checkpoint.release(tensorName);
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
