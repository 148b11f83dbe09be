package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.linalg.Svd;
import amalgam.model.moe.RankOneMixture;
import amalgam.model.moe.RankOneMlps;
import amalgam.model.moe.WeightEnsemblingMixture;
import amalgam.model.moe.WeightEnsemblingTensorNames;
import amalgam.param.Domain;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * FusionBench's {@code rankone_moe/rankone_moe} ({@code CLIPRankOneMoEAlgorithm}, after Yang et al.'s RankOne-MoE),
 * spec §7.3: task arithmetic (λ = init_lambda) outside the MLP blocks; in each block the fc weights become
 * W0 + Σ over the rank_k leading rank-one components σ u vᵀ of every task's ΔW, weighted by a router with T·rank_k
 * outputs (trained by test-time entropy minimisation, as WEMoE's), and the fc biases b0 + init_lambda·Σᵢ τᵢ (fixed).
 * See {@link RankOneMixture}. Singular vectors are sign-fixed as SMILE's ({@link SmileExperts#signFixed}), which
 * changes no product u σ vᵀ. rank_k beyond min(D, I) is clamped (FusionBench crashes there, as for SMILE's k, spec
 * §10.3); a task whose fc weight delta is all zero is refused as FusionBench refuses it ({@code ExpertNotTrainedError}).
 * {@code svd_accelerator} is accepted without effect (CPU only).
 */
public final class RankOneMoe implements FusionMethod {
    private static final String NAME = "rankone_moe/rankone_moe";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of(),
            "RankOne-MoE: task arithmetic outside the MLPs; each MLP's fc weights merged per batch from the top rank_k"
                    + " rank-one SVD components of every task's delta, weighted by a router trained by test-time entropy minimisation",
            parameters(), RankOneMoe::new);

    private final int routerDepth;
    private final double initLambda;
    private final int rankK;
    private final int selectK;
    private final WeightEnsemblingSetup.Training training;

    private RankOneMoe(MethodParameters parameters) {
        this.routerDepth = Math.toIntExact(parameters.getLong("router_hidden_layers"));
        this.initLambda = parameters.getDouble("init_lambda");
        this.rankK = Math.toIntExact(parameters.getLong("rank_k"));
        this.selectK = Math.toIntExact(parameters.getLong("select_k"));
        this.training = WeightEnsemblingSetup.training(parameters);
    }

    private static List<ParameterSpec> parameters() {
        List<ParameterSpec> specs = new ArrayList<>(WeightEnsemblingSetup.commonParameters(1, true));
        specs.add(ParameterSpec.nullable("svd_accelerator", ParameterType.STRING, "cuda", "accepted for compatibility; CPU only"));
        specs.add(ParameterSpec.of("rank_k", ParameterType.INT, 32, Domain.integersFrom(1),
                "rank-one experts per task and fc weight: the leading singular components of its delta (clamped to min(D, I))"));
        specs.add(ParameterSpec.of("select_k", ParameterType.INT, -1, Domain.integersFrom(-1),
                "soft top-k of the T·rank_k router weights (-1 or 0: all)"));
        return specs;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        WeightEnsemblingSetup.Inputs inputs = WeightEnsemblingSetup.load(context, NAME, (float) initLambda);
        int hidden = inputs.vision().hiddenSize();
        int intermediate = inputs.vision().intermediateSize();
        int rank = Math.min(rankK, Math.min(hidden, intermediate));
        if (rank < rankK) {
            System.err.println(NAME + ": rank_k " + rankK + " exceeds the rank min(" + hidden + ", " + intermediate
                    + ") of the MLP weights; using " + rank);
        }
        int tasks = inputs.models().size();
        if (selectK > (long) tasks * rank) {
            throw new UserInputException("parameter 'select_k' of method '" + NAME + "' is " + selectK + " but there are only "
                    + tasks + " x " + rank + " = " + tasks * rank + " rank-one experts; use -1 (all) or 1.." + tasks * rank);
        }
        RankOneMixture mixture = new RankOneMixture(inputs.expertNames(), inputs.vision().layers(), hidden, intermediate, routerDepth,
                initLambda, training.evaluationBatchReduce(), rank, selectK);
        RankOneMixture trained = new RankOneMixture(mixture.experts(), mixture.layers(), hidden, intermediate, routerDepth, initLambda,
                training.batchReduce(), rank, selectK);
        Arena arena = Arena.ofAuto();
        SequencedMap<String, Tensor> experts = experts(inputs, mixture, arena);
        SequencedMap<String, Tensor> routers = new LinkedHashMap<>();
        for (int layer = 0; layer < mixture.layers(); layer++) {
            routers.putAll(mixture.router().initialValues(WeightEnsemblingTensorNames.gate(layer), (float) initLambda, context.seed(), arena));
        }
        WeightEnsemblingSetup.trainRouters(inputs, WeightEnsemblingSetup.towerTensors(inputs, experts), routers,
                new RankOneMlps(trained, inputs.vision(), null), training, context, NAME);
        SequencedMap<String, Tensor> saved = new LinkedHashMap<>();
        for (String name : mixture.mixtureTensors().keySet()) {
            saved.put(name, experts.containsKey(name) ? experts.get(name) : routers.get(name));
        }
        return new FusionResult.Mixture(WeightEnsemblingSetup.jobs(inputs, context.pool().reference(), saved), mixture);
    }

    /** Per block: the stacked bias task vectors and every task's rank-one factors of fc1 and fc2. */
    private static SequencedMap<String, Tensor> experts(WeightEnsemblingSetup.Inputs inputs, RankOneMixture mixture, Arena arena) {
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        int tasks = mixture.experts().size();
        for (int layer = 0; layer < mixture.layers(); layer++) {
            for (String fc : WeightEnsemblingMixture.FCS) {
                int out = mixture.outFeatures(fc);
                Tensor biases = Tensor.allocate(arena, DType.F32, Shape.of(tasks, out));
                for (int i = 0; i < tasks; i++) {
                    Tensor tau = inputs.tower().taskVectors().get(i).get(WeightEnsemblingTensorNames.base(layer, fc, "bias"));
                    biases.data().asSlice((long) i * out * Float.BYTES, (long) out * Float.BYTES).copyFrom(tau.data());
                }
                tensors.put(WeightEnsemblingTensorNames.rankOneBias(layer, fc), biases);
            }
            for (String fc : WeightEnsemblingMixture.FCS) {
                for (int i = 0; i < tasks; i++) {
                    String weight = WeightEnsemblingTensorNames.base(layer, fc, "weight");
                    Tensor delta = inputs.tower().taskVectors().get(i).get(weight);
                    if (SmileExperts.untrained(delta)) {
                        throw new UserInputException("method '" + NAME + "': task model '" + mixture.experts().get(i) + "' left '" + weight
                                + "' unchanged (its delta is all zero), so it has no rank-one experts there (FusionBench raises"
                                + " ExpertNotTrainedError)");
                    }
                    Svd svd = SmileExperts.signFixed(LinearAlgebra.svd(arena, Matrix.of(delta)));
                    tensors.put(WeightEnsemblingTensorNames.rankOneU(layer, i, fc), leadingColumnsTransposed(svd.u(), mixture.rankK(), arena));
                    tensors.put(WeightEnsemblingTensorNames.rankOneSvh(layer, i, fc), scaledLeadingRows(svd, mixture.rankK(), arena));
                }
            }
        }
        return tensors;
    }

    /** U[:, :k]ᵀ [k, out]. */
    private static Tensor leadingColumnsTransposed(Matrix u, int k, Arena arena) {
        Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(k, u.rows()));
        for (int j = 0; j < k; j++) {
            for (long r = 0; r < u.rows(); r++) {
                out.setFloat(j * u.rows() + r, u.get(r, j));
            }
        }
        return out;
    }

    /** (s[:k] · V[:, :k])ᵀ = diag(s[:k]) Vᵀ[:k, :] [k, in], each product rounded to float32 as torch's is. */
    private static Tensor scaledLeadingRows(Svd svd, int k, Arena arena) {
        Matrix vt = svd.vt();
        Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(k, vt.cols()));
        for (int j = 0; j < k; j++) {
            float s = svd.singularValues()[j];
            for (long c = 0; c < vt.cols(); c++) {
                out.setFloat(j * vt.cols() + c, s * vt.get(j, c));
            }
        }
        return out;
    }
}
