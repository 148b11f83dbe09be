package amalgam.fusion.upscale;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.param.Domain;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * FusionBench's Mixtral methods: a {@code MixtralForCausalLM} checkpoint built from LLaMA/Mistral models
 * ({@link MixtralLayout} for the tensors, {@link MixtralConfig} for config.json, {@link RouterInit} for the routers).
 * <ul>
 *   <li>{@code mixtral_moe_upscaling} ({@code MixtralForCausalLMUpscalingAlgorithm}; sparse upcycling, Komatsuzaki et
 *       al. 2023): every one of {@code num_experts} experts is the model's dense MLP. The model is the pool's
 *       {@code _pretrained_} (FusionBench's choice; other models are not read), else the pool's only model.</li>
 *   <li>{@code mixtral_moe_merging} ({@code MixtralForCausalLMMergingAlgorithm}): expert i is the MLP of the pool's
 *       i-th task model (pool order, {@code _pretrained_} excluded), so there are as many experts as task models.</li>
 * </ul>
 * In both, attention, layer norms, embeddings, final norm and LM head are the {@code _pretrained_} model's (the
 * upscaled model's). FusionBench intends this but never copies the attention or the routers (its Mixtral is built with
 * initialisation disabled); amalgam copies the attention and initialises the routers by {@code router_init}.
 * {@code save_checkpoint} is where FusionBench's method saves: the run saves there when no merged_model_save_path is
 * given. The tokenizer files come with the base model's, as for every causal-LM output.
 */
public final class MixtralMoe implements FusionMethod {
    public static final String SAVE_CHECKPOINT = "save_checkpoint";
    static final String UPSCALING_NAME = "mixtral_moe_upscaling";
    static final String MERGING_NAME = "mixtral_moe_merging";

    public static final MethodDeclaration UPSCALING = new MethodDeclaration(UPSCALING_NAME, List.of(),
            "a Mixtral sparse MoE whose experts are all copies of one LLaMA/Mistral model's MLP (sparse upcycling)",
            List.of(ParameterSpec.of("num_experts", ParameterType.INT, 4, Domain.integersFrom(1), "experts per layer"),
                    expertsPerToken(), saveCheckpoint(), routerInit()),
            parameters -> new MixtralMoe(UPSCALING_NAME, (int) parameters.getLong("num_experts"), parameters));

    public static final MethodDeclaration MERGING = new MethodDeclaration(MERGING_NAME, List.of(),
            "a Mixtral sparse MoE whose expert i is task model i's MLP, the rest the pretrained model's",
            List.of(expertsPerToken(), saveCheckpoint(), routerInit()),
            parameters -> new MixtralMoe(MERGING_NAME, 0, parameters));

    public static final List<MethodDeclaration> DECLARATIONS = List.of(UPSCALING, MERGING);

    private final String method;
    /** Upscaling: how many copies of the MLP; merging: 0 (one expert per task model). */
    private final int upscaledExperts;
    private final int expertsPerToken;
    private final RouterInit router;

    private MixtralMoe(String method, int upscaledExperts, MethodParameters parameters) {
        this.method = method;
        this.upscaledExperts = upscaledExperts;
        this.expertsPerToken = (int) parameters.getLong("experts_per_token");
        this.router = RouterInit.parse(parameters.getString(RouterInit.PARAMETER), method);
        if (upscaledExperts > 0) {
            checkExpertsPerToken(upscaledExperts);
        }
    }

    private static ParameterSpec expertsPerToken() {
        return ParameterSpec.of("experts_per_token", ParameterType.INT, 2, Domain.integersFrom(1),
                "experts each token is routed to (Mixtral's num_experts_per_tok)");
    }

    private static ParameterSpec saveCheckpoint() {
        return ParameterSpec.nullable(SAVE_CHECKPOINT, ParameterType.STRING, null,
                "where the model is saved when merged_model_save_path is not given");
    }

    private static ParameterSpec routerInit() {
        return ParameterSpec.of(RouterInit.PARAMETER, ParameterType.STRING, RouterInit.ZEROS.written(),
                "amalgam: the routers' initial weights, zeros (uniform routing) or uniform_random (seeded U(±1/sqrt(hidden)))");
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        ModelPool pool = context.pool();
        ModelSource base = upscaledExperts > 0 ? upscaled(pool) : pool.requirePretrained(method);
        List<ModelSource> experts = upscaledExperts > 0 ? Collections.nCopies(upscaledExperts, base) : pool.requireModels(method, 1);
        checkExpertsPerToken(experts.size());
        MixtralLayout layout = MixtralLayout.of(base, method);
        for (ModelSource expert : new LinkedHashSet<>(experts)) {
            layout.checkExpert(base, expert, method);
        }
        List<TensorJob> jobs = layout.jobs(base, experts, router, context.seed());
        int count = experts.size();
        return new FusionResult.RestructuredModel(jobs,
                (config, model) -> MixtralConfig.from(config, count, expertsPerToken, model, method));
    }

    /** The model to upcycle: {@code _pretrained_}, else the pool's only model. */
    private ModelSource upscaled(ModelPool pool) {
        if (pool.pretrained().isPresent()) {
            return pool.pretrained().get();
        }
        if (pool.allModels().size() != 1) {
            throw new UserInputException("method '" + method + "' upscales one model: the pool's '" + ModelPool.PRETRAINED
                    + "', else its only model; this pool has no '" + ModelPool.PRETRAINED + "' and " + pool.allModels().size()
                    + " models");
        }
        return pool.allModels().getFirst();
    }

    private void checkExpertsPerToken(int experts) {
        if (expertsPerToken > experts) {
            throw new UserInputException("parameter 'experts_per_token' of method '" + method + "' is " + expertsPerToken
                    + ", more than the " + experts + " expert(s) of each layer"
                    + (upscaledExperts > 0 ? "" : " (one per task model of the pool)"));
        }
    }
}
