package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.data.SurgeryTraining;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.model.clip.FeatureCorrection;
import amalgam.param.Domain;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * FusionBench {@code surgery/adamerging_surgery} (Yang et al. 2024, "Representation Surgery for Multi-Task Model
 * Merging"): layer-wise AdaMerging, then per task a small bottleneck that corrects the merged model's normalized image
 * embedding towards the task's own fine-tuned model's ({@link SurgeryTraining}). The result is the merged model with
 * its per-task corrections (saved beside it as {@value FeatureCorrection#FILE}); a run reports the corrected model
 * per task and, under {@code adamerging}, the merged model without corrections, as FusionBench evaluates both.
 */
public final class RepresentationSurgery implements FusionMethod {
    private static final String NAME = "surgery/adamerging_surgery";
    private static final String LAYER_WISE = "clip_layer_wise_adamerging_surgery";
    private static final String TASK_WISE = "clip_task_wise_adamerging_surgery";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("adamerging_surgery"),
            "AdaMerging, then per-task representation surgery of the merged model's image embeddings", parameters(),
            parameters -> {
                String name = parameters.getString("name");
                AdaMerging.Granularity granularity = switch (name) {
                    case LAYER_WISE -> AdaMerging.Granularity.LAYER_WISE;
                    case TASK_WISE -> AdaMerging.Granularity.TASK_WISE;
                    default -> throw new UserInputException("parameter 'name' of method '" + NAME + "': unknown '" + name
                            + "'; valid: " + LAYER_WISE + ", " + TASK_WISE);
                };
                return new RepresentationSurgery(new AdaMerging(AdaMerging.settings(parameters, granularity)),
                        Math.toIntExact(parameters.getLong("surgery_steps")),
                        Math.toIntExact(Math.min(parameters.getLong("batch_size"), Integer.MAX_VALUE)));
            });

    private final AdaMerging adaMerging;
    private final int surgerySteps;
    private final int batchSize;

    private RepresentationSurgery(AdaMerging adaMerging, int surgerySteps, int batchSize) {
        this.adaMerging = adaMerging;
        this.surgerySteps = surgerySteps;
        this.batchSize = batchSize;
    }

    private static List<ParameterSpec> parameters() {
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(ParameterSpec.of("name", ParameterType.STRING, LAYER_WISE, LAYER_WISE + " or " + TASK_WISE));
        AdaMerging.parameters(false).forEach(specs::add);
        specs.add(ParameterSpec.of("devices", ParameterType.INT, 1, Domain.integersFrom(1), "accepted for compatibility; CPU only"));
        specs.add(ParameterSpec.of("surgery_steps", ParameterType.INT, 1000, Domain.integers(0, Integer.MAX_VALUE),
                "surgery iterations (one step per task each)"));
        specs.add(ParameterSpec.of("eval_iterations", ParameterType.INT, 200, Domain.integersFrom(1),
                "accepted for compatibility (FusionBench's intermediate evaluations); the run evaluates the final model"));
        return specs;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        AdaMerging.Learned learned = adaMerging.learn(context);
        Arena arena = Arena.ofAuto(); // the corrections live as long as the result
        Map<String, Tensor> merged = new LinkedHashMap<>(learned.tower());
        merged.put(amalgam.model.clip.ClipVisionFamily.PROJECTION, data.family().projection(arena));
        SequencedMap<String, FeatureCorrection> corrections = SurgeryTraining.train(data, merged, models, surgerySteps, batchSize,
                context.seed(), context.threads(), arena);
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), learned.tower()),
                learned.table() == null ? List.of() : List.of(learned.table()), corrections);
    }
}
