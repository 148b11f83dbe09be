package amalgam.fusion.upscale;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * FusionBench {@code depth_upscaling} ({@code DepthUpscalingAlgorithm}, and {@code DepthUpscalingForLlama} for causal
 * LMs): the pool's one model with its layer list replaced by copies of its layers in the order {@code layer_indices}
 * gives (Kim et al., "SOLAR 10.7B: Scaling Large Language Models with Simple yet Effective Depth Up-Scaling", 2023:
 * {@code ["range(0,24)", "range(8,32)"]} stacks two overlapping copies of a 32-layer model). New layer p is source
 * layer order[p] with its tensors renamed from index order[p] to p; every tensor outside the layer list is kept, and
 * config.json's layer count follows ({@link LayeredArchitecture}).
 *
 * <p>FusionBench's {@code layer_indices: null} default fails on iterating None, so here it is bad input asking for
 * the list. The pool holds exactly one model, whatever its name ({@code _pretrained_} or a task's).
 */
public final class DepthUpscaling implements FusionMethod {
    static final String NAME = "depth_upscaling";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of(),
            "a deeper (or shallower) model: the one model's layers copied in the order layer_indices gives (SOLAR-style)",
            List.of(ParameterSpec.nullable("layer_indices", ParameterType.INT_OR_STRING_LIST, null,
                            "the new layer list: integers (layer i, Python indexing) and \"range(...)\" strings, e.g."
                                    + " [\"range(0,24)\", \"range(8,32)\"]"),
                    ParameterSpec.nullable("model_save_path", ParameterType.STRING, null,
                            "where the model is saved when merged_model_save_path is not given (DepthUpscalingForLlama)")),
            parameters -> new DepthUpscaling(parameters.get("layer_indices") instanceof List<?> entries
                    ? LayerIndices.parse(entries, NAME) : null));

    /** null: not given (bad input when the method runs, so that the declaration still builds with its defaults). */
    private final LayerIndices layerIndices;

    DepthUpscaling(LayerIndices layerIndices) {
        this.layerIndices = layerIndices;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        if (layerIndices == null) {
            throw new UserInputException("method '" + NAME + "' needs layer_indices, the new model's layers in order (e.g."
                    + " method.layer_indices='[0,1,\"range(2,6)\",5]'); FusionBench's default null selects nothing");
        }
        List<ModelSource> models = context.pool().allModels();
        if (models.size() != 1) {
            throw new UserInputException("method '" + NAME + "' upscales exactly one model, but the model pool holds "
                    + models.size() + ": " + models.stream().map(ModelSource::name).toList());
        }
        ModelSource model = models.getFirst();
        LayerStack stack = LayerStack.of(model, NAME);
        List<Integer> order = layerIndices.resolve(stack.size(), model.name(), NAME);
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : model.tensorNames()) {
            if (!stack.contains(name)) {
                jobs.add(PerTensorPlan.copyAs(model, name, name, model.dtypeOf(name)));
            }
        }
        for (int position = 0; position < order.size(); position++) {
            int source = order.get(position);
            for (String relative : stack.layerTensors().get(source)) {
                String sourceName = stack.name(source, relative);
                jobs.add(PerTensorPlan.copyAs(model, sourceName, stack.name(position, relative), model.dtypeOf(sourceName)));
            }
        }
        jobs.sort(Comparator.comparing(TensorJob::outputName));
        int layerCount = stack.size();
        return new FusionResult.RestructuredModel(jobs,
                (config, reference) -> stack.architecture().withLayers(config, order, layerCount, reference, NAME));
    }
}
