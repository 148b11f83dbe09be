package amalgam.fusion.method;

import amalgam.fusion.BackboneView;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FusionBench's causal-LM variants ({@code linear/task_arithmetic_for_causallm}, {@code linear/ties_merging_for_causallm},
 * {@code linear/simple_average_for_causallm}, {@code slerp/slerp_lm}): the base method over whole causal LMs, with
 * {@code merge_backbone} (only the decoder backbone {@code model.*} is merged; every other tensor, the LM head
 * among them, is the pretrained model's) and {@code model_save_path} (where FusionBench's method saves the model:
 * the run saves there when no merged_model_save_path is given).
 */
public final class CausalLmMethods {
    static final String BACKBONE = "model.";
    public static final String MODEL_SAVE_PATH = "model_save_path";

    public static final List<MethodDeclaration> DECLARATIONS = List.of(
            over("linear/task_arithmetic_for_causallm", TaskArithmetic.DECLARATION, true),
            over("linear/ties_merging_for_causallm", TiesMerging.DECLARATION, true),
            over("linear/simple_average_for_causallm", SimpleAverage.DECLARATION, true),
            over("slerp/slerp_lm", SlerpMerging.DECLARATION, false));

    private CausalLmMethods() {
    }

    private static MethodDeclaration over(String name, MethodDeclaration base, boolean backboneOption) {
        List<ParameterSpec> parameters = new ArrayList<>(base.parameters());
        if (backboneOption) {
            parameters.add(ParameterSpec.of("merge_backbone", ParameterType.BOOL, false,
                    "merge the decoder backbone (model.*) only; the LM head and other tensors stay the pretrained model's"));
        }
        parameters.add(ParameterSpec.nullable(MODEL_SAVE_PATH, ParameterType.STRING, null,
                "where the merged model is saved when merged_model_save_path is not given"));
        if (parameters.stream().noneMatch(p -> p.name().equals("show_pbar"))) {
            parameters.add(ParameterSpec.of("show_pbar", ParameterType.BOOL, false, "accepted for compatibility; no effect"));
        }
        return new MethodDeclaration(name, List.of(), base.summary() + ", for causal language models", parameters, resolved -> {
            Map<String, Object> baseValues = new LinkedHashMap<>();
            List<String> baseNames = base.parameters().stream().map(ParameterSpec::name).toList();
            resolved.asMap().forEach((key, value) -> {
                if (baseNames.contains(key)) {
                    baseValues.put(key, value);
                }
            });
            FusionMethod method = base.create(MethodParameters.resolve(base.configName(), base.parameters(), baseValues));
            return backboneOption && resolved.getBoolean("merge_backbone") ? new BackboneOnly(method) : method;
        });
    }

    /** The method over task models whose tensors outside the backbone are the pretrained model's. */
    private record BackboneOnly(FusionMethod method) implements FusionMethod {
        @Override
        public FusionResult fuse(FusionContext context) {
            ModelPool pool = context.pool();
            ModelSource pretrained = pool.requirePretrained("merge_backbone");
            List<ModelSource> models = new ArrayList<>();
            for (ModelSource model : pool.allModels()) {
                models.add(model == pretrained ? model : new BackboneView(model, pretrained, BACKBONE));
            }
            return method.fuse(context.withPool(new ModelPool(models)));
        }
    }
}
