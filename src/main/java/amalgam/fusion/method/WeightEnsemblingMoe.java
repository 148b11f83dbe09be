package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.model.moe.WeightEnsemblingMixture;
import amalgam.model.moe.WeightEnsemblingMlps;
import amalgam.model.moe.WeightEnsemblingRouter;
import amalgam.model.moe.WeightEnsemblingTensorNames;
import amalgam.param.Domain;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * FusionBench's {@code wemoe/weight_ensembling_moe} ({@code clip_weight_ensembling_moe}; Tang et al., 2024, "Merging
 * Multi-Task Models via Weight-Ensembling Mixture of Experts", ICML) and {@code wemoe/sparse_weight_ensembling_moe}
 * ({@code sparse_clip_weight_ensembling_moe}; Efficient/Sparse WEMoE), spec §7.1–7.2. Task arithmetic (λ = init_lambda)
 * everywhere but the MLP blocks; each block's MLP becomes θ0_mlp + Σᵢ rᵢ τᵢ_mlp with a router per block
 * ({@link WeightEnsemblingMixture}), whose weights are trained (nothing else is) by test-time entropy minimisation on
 * unlabeled test batches of every task. The result is saved and evaluated as a mixture ({@code moe.json} kind
 * {@code wemoe} / {@code sparse_wemoe}).
 *
 * <p>Sparse WEMoE prunes each MLP task-vector tensor to |x| > quantile(|x|, tv_prune_ratio) ({@link QuantilePruning});
 * with {@code shared_gate} one router serves every block (its input optionally prefixed by a sinusoidal code of the
 * layer index); with {@code post_sparse_gate} the trained router tensors are pruned the same way at gate_prune_ratio,
 * once per block as FusionBench's loop does (a shared router is pruned that many times).
 */
public final class WeightEnsemblingMoe implements FusionMethod {
    private static final String NAME = "wemoe/weight_ensembling_moe";
    private static final String SPARSE_NAME = "wemoe/sparse_weight_ensembling_moe";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of(),
            "weight-ensembling MoE: task arithmetic outside the MLPs; each MLP merged per batch as θ0 + Σ rᵢ τᵢ with r from a"
                    + " router trained by test-time entropy minimisation",
            WeightEnsemblingSetup.commonParameters(2, true), parameters -> new WeightEnsemblingMoe(NAME, parameters, null));

    public static final MethodDeclaration SPARSE = new MethodDeclaration(SPARSE_NAME, List.of(),
            "sparse WEMoE: WEMoE over task vectors pruned by magnitude quantile, with one router shared by every block",
            sparseParameters(), parameters -> new WeightEnsemblingMoe(SPARSE_NAME, parameters, sparse(parameters)));

    private final String method;
    private final int routerDepth;
    private final double initLambda;
    private final WeightEnsemblingSetup.Training training;
    private final WeightEnsemblingMixture.Sparse sparse;

    private WeightEnsemblingMoe(String method, MethodParameters parameters, WeightEnsemblingMixture.Sparse sparse) {
        this.method = method;
        this.routerDepth = Math.toIntExact(parameters.getLong("router_hidden_layers"));
        this.initLambda = parameters.getDouble("init_lambda");
        this.training = WeightEnsemblingSetup.training(parameters);
        this.sparse = sparse;
    }

    private static List<ParameterSpec> sparseParameters() {
        List<ParameterSpec> specs = new ArrayList<>(WeightEnsemblingSetup.commonParameters(2, false));
        specs.add(ParameterSpec.of("tv_prune_ratio", ParameterType.FLOAT, 0.9, Domain.UNIT,
                "each MLP task-vector tensor keeps the entries with |x| > this quantile of |x|"));
        specs.add(ParameterSpec.of("post_sparse_gate", ParameterType.BOOL, false, "prune the trained routers the same way"));
        specs.add(ParameterSpec.of("gate_prune_ratio", ParameterType.FLOAT, 0.0, Domain.UNIT, "the routers' quantile"));
        specs.add(ParameterSpec.of("shared_gate", ParameterType.BOOL, true, "one router for every MLP block"));
        specs.add(ParameterSpec.of("position_encoding", ParameterType.BOOL, false,
                "the shared router's input starts with a sinusoidal code of the layer index"));
        specs.add(ParameterSpec.of("position_encoding_dim", ParameterType.INT, 8, Domain.integersFrom(0), "that code's length (even)"));
        return specs;
    }

    private static WeightEnsemblingMixture.Sparse sparse(MethodParameters parameters) {
        int dim = Math.toIntExact(parameters.getLong("position_encoding_dim"));
        boolean positionEncoding = parameters.getBoolean("position_encoding");
        boolean shared = parameters.getBoolean("shared_gate");
        if (positionEncoding && shared && (dim < 2 || dim % 2 != 0)) {
            throw new UserInputException("parameter 'position_encoding_dim' of method '" + parameters.method() + "' must be an even"
                    + " number >= 2 with position_encoding (the code is dim/2 sines and dim/2 cosines), got " + dim);
        }
        return new WeightEnsemblingMixture.Sparse(parameters.getDouble("tv_prune_ratio"), parameters.getBoolean("post_sparse_gate"),
                parameters.getDouble("gate_prune_ratio"), shared, positionEncoding, dim);
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        WeightEnsemblingSetup.Inputs inputs = WeightEnsemblingSetup.load(context, method, (float) initLambda);
        WeightEnsemblingMixture mixture = new WeightEnsemblingMixture(inputs.expertNames(), inputs.vision().layers(),
                inputs.vision().hiddenSize(), inputs.vision().intermediateSize(), routerDepth, initLambda,
                training.evaluationBatchReduce(), sparse);
        SequencedMap<String, Tensor> taskVectors = taskVectors(inputs, mixture);
        SequencedMap<String, Tensor> routers = initialRouters(mixture, context.seed());
        WeightEnsemblingMixture trained = new WeightEnsemblingMixture(mixture.experts(), mixture.layers(), mixture.hiddenSize(),
                mixture.intermediateSize(), routerDepth, initLambda, training.batchReduce(), sparse);
        WeightEnsemblingSetup.trainRouters(inputs, WeightEnsemblingSetup.towerTensors(inputs, taskVectors), routers,
                new WeightEnsemblingMlps(trained, inputs.vision(), null), training, context, method);
        if (sparse != null && sparse.postSparseGate()) {
            for (int layer = 0; layer < mixture.layers(); layer++) {
                for (String name : mixture.router().tensors(mixture.gatePrefix(layer)).keySet()) {
                    QuantilePruning.pruneInPlace(routers.get(name), sparse.gatePruneRatio());
                }
            }
        }
        SequencedMap<String, Tensor> saved = new LinkedHashMap<>();
        for (String name : mixture.mixtureTensors().keySet()) {
            saved.put(name, taskVectors.containsKey(name) ? taskVectors.get(name) : routers.get(name));
        }
        return new FusionResult.Mixture(WeightEnsemblingSetup.jobs(inputs, context.pool().reference(), saved), mixture);
    }

    /** τᵢ of every MLP tensor under its mixture name (pruned for sparse WEMoE, in place: the loaded copies are ours). */
    private SequencedMap<String, Tensor> taskVectors(WeightEnsemblingSetup.Inputs inputs, WeightEnsemblingMixture mixture) {
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (int layer = 0; layer < mixture.layers(); layer++) {
            for (int i = 0; i < mixture.experts().size(); i++) {
                Map<String, Tensor> tau = inputs.tower().taskVectors().get(i);
                for (String fc : WeightEnsemblingMixture.FCS) {
                    for (String part : WeightEnsemblingMixture.PARTS) {
                        Tensor value = tau.get(WeightEnsemblingTensorNames.base(layer, fc, part));
                        if (sparse != null) {
                            QuantilePruning.pruneInPlace(value, sparse.tvPruneRatio());
                        }
                        tensors.put(WeightEnsemblingTensorNames.taskVector(layer, i, fc, part), value);
                    }
                }
            }
        }
        return tensors;
    }

    /** FusionBench's router initialisation: per block, or one shared router. */
    private static SequencedMap<String, Tensor> initialRouters(WeightEnsemblingMixture mixture, long seed) {
        SequencedMap<String, Tensor> routers = new LinkedHashMap<>();
        WeightEnsemblingRouter router = mixture.router();
        Arena arena = Arena.ofAuto();
        for (int layer = 0; layer < mixture.layers(); layer++) {
            String prefix = mixture.gatePrefix(layer);
            if (!routers.containsKey(router.tensors(prefix).firstEntry().getKey())) {
                routers.putAll(router.initialValues(prefix, (float) mixture.initLambda(), seed, arena));
            }
        }
        return routers;
    }
}
