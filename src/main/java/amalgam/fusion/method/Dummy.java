package amalgam.fusion.method;

import amalgam.fusion.FusionAlgorithm;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** FusionBench {@code dummy}: fuses nothing; returns the pretrained model, else the first model, unchanged. */
public final class Dummy implements FusionAlgorithm {
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("dummy", List.of(),
            "the pretrained model (or the only model) unchanged", List.of(), parameters -> new Dummy());

    @Override
    public List<TensorJob> plan(ModelPool pool, long seed) {
        ModelSource model = pool.reference();
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : model.tensorNames()) {
            Tensor stored = model.tensor(name);
            jobs.add(PerTensorPlan.passThrough(model, name, stored.dtype(), stored.shape()));
            model.release(name);
        }
        return jobs;
    }
}
