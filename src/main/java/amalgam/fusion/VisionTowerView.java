package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import amalgam.merge.NonFiniteInputs;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.List;

/**
 * A CLIP checkpoint read as Hugging Face's {@code CLIPVisionModel} reads it: only the vision tower's tensors
 * ({@code vision_model.*}) exist; a full {@code CLIPModel}'s text tower, projections and {@code logit_scale} are not
 * part of the model, as when FusionBench loads every pool entry with {@code CLIPVisionModel.from_pretrained}.
 */
record VisionTowerView(ModelSource delegate) implements ModelSource {
    static final String PREFIX = "vision_model.";

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public List<String> tensorNames() {
        return delegate.tensorNames().stream().filter(VisionTowerView::inTower).toList();
    }

    @Override
    public boolean contains(String tensorName) {
        return inTower(tensorName) && delegate.contains(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        return delegate.tensor(checked(tensorName));
    }

    @Override
    public Shape shapeOf(String tensorName) {
        return delegate.shapeOf(checked(tensorName));
    }

    @Override
    public DType dtypeOf(String tensorName) {
        return delegate.dtypeOf(checked(tensorName));
    }

    @Override
    public void prefetch(String tensorName) {
        delegate.prefetch(tensorName);
    }

    @Override
    public void release(String tensorName) {
        delegate.release(tensorName);
    }

    @Override
    public NonFiniteInputs nonFiniteInputs() {
        return delegate.nonFiniteInputs();
    }

    @Override
    public ModelSource withNonFiniteInputs(NonFiniteInputs policy) {
        return policy == nonFiniteInputs() ? this : new VisionTowerView(delegate.withNonFiniteInputs(policy));
    }

    @Override
    public ModelSource named(String newName) {
        return newName.equals(name()) ? this : new VisionTowerView(delegate.named(newName));
    }

    private static boolean inTower(String tensorName) {
        return tensorName.startsWith(PREFIX);
    }

    private String checked(String tensorName) {
        if (!inTower(tensorName)) {
            throw new UserInputException("model '" + name() + "' is read as a CLIP vision model, which has no tensor '" + tensorName + "'");
        }
        return tensorName;
    }
}
