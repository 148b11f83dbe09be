package amalgam.fusion;

import amalgam.merge.ModelSource;
import amalgam.merge.NonFiniteInputs;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.List;

/**
 * A task model whose tensors outside the backbone (names not starting with {@code prefix}) are the pretrained
 * model's: merged, they give the pretrained tensor back (their task vectors are zero). FusionBench merges only a
 * model's backbone this way: {@code merge_backbone} of its causal-LM methods, the {@code convnext} target module of
 * its ConvNeXt pools (each task's classifier head, of its own size, is not merged).
 */
public record BackboneView(ModelSource model, ModelSource pretrained, String prefix) implements ModelSource {
    @Override
    public String name() {
        return model.name();
    }

    @Override
    public List<String> tensorNames() {
        return model.tensorNames();
    }

    @Override
    public boolean contains(String tensorName) {
        return model.contains(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        return source(tensorName).tensor(tensorName);
    }

    @Override
    public Shape shapeOf(String tensorName) {
        return source(tensorName).shapeOf(tensorName);
    }

    @Override
    public DType dtypeOf(String tensorName) {
        return source(tensorName).dtypeOf(tensorName);
    }

    @Override
    public void prefetch(String tensorName) {
        source(tensorName).prefetch(tensorName);
    }

    @Override
    public void release(String tensorName) {
        source(tensorName).release(tensorName);
    }

    @Override
    public NonFiniteInputs nonFiniteInputs() {
        return model.nonFiniteInputs();
    }

    private ModelSource source(String tensorName) {
        return tensorName.startsWith(prefix) || !pretrained.contains(tensorName) ? model : pretrained;
    }
}
