package amalgam.fusion.closedform;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.param.Domain;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code trust_region/clip_task_arithmetic} (Sun et al., "Task Arithmetic in Trust Region", ICLR 2025), the intended
 * rule of spec §5.4. For each task i, g̅ᵢ = mean over at most {@code max_samples} shuffled train images of the absolute
 * per-sample gradient of the cross-entropy at θ0 (with {@code zero_shot}: g̅ᵢ = |τᵢ|); then over the vision tower
 * <pre>
 *   Ω = Σ_{i≠j} g̅ᵢ ⊙ |τⱼ| = (Σᵢ g̅ᵢ) ⊙ (Σⱼ |τⱼ|) − Σᵢ g̅ᵢ ⊙ |τᵢ|
 *   t = sorted(Ω)[clamp(⌊|Ω| · q⌋, 0, |Ω| − 1)],  mask = Ω &lt; t        (q = threshold_quantile)
 *   θ = θ0 + λ Σᵢ mask ⊙ τᵢ
 * </pre>
 * FusionBench stores its gradients under the wrong key with {@code zero_shot: false}, so there Ω ≡ 0 and it returns θ0;
 * this is the rule it means. One model at a time: only the four sums above are held besides θ0.
 */
public final class TrustRegionTaskArithmetic implements FusionMethod {
    public static final String NAME = "trust_region/clip_task_arithmetic";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("clip_trust_region"),
            "task arithmetic restricted to the coordinates where task vectors do not move other tasks' losses", List.of(
                    ParameterSpec.of("scaling_factor", ParameterType.FLOAT, 0.3, Domain.REAL, "λ, the task vectors' scale"),
                    ParameterSpec.of("threshold_quantile", ParameterType.FLOAT, 0.99, Domain.closed(0, 1),
                            "coordinates with Ω at or above this quantile are left at θ0"),
                    ParameterSpec.of("max_samples", ParameterType.INT, 128, Domain.integers(1, Integer.MAX_VALUE),
                            "train images per task whose per-sample gradients are averaged"),
                    ParameterSpec.of("batch_size", ParameterType.INT, 128, Domain.integers(1, 1 << 20),
                            "train images read per batch (gradients are still per sample)"),
                    ParameterSpec.of("zero_shot", ParameterType.BOOL, false, "use |τᵢ| instead of gradients (reads no train images)")),
            TrustRegionTaskArithmetic::new);

    private final double scalingFactor;
    private final double quantile;
    private final int maxSamples;
    private final int batchSize;
    private final boolean zeroShot;

    private TrustRegionTaskArithmetic(MethodParameters parameters) {
        this.scalingFactor = parameters.getDouble("scaling_factor");
        this.quantile = parameters.getDouble("threshold_quantile");
        this.maxSamples = Math.toIntExact(parameters.getLong("max_samples"));
        this.batchSize = Math.toIntExact(parameters.getLong("batch_size"));
        this.zeroShot = parameters.getBoolean("zero_shot");
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        ModelSource pretrained = context.pool().requirePretrained(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        ClipVisionFamily family = data.family();
        List<String> tower = family.towerNames();
        Map<String, float[]> sumGradients = new LinkedHashMap<>();
        Map<String, float[]> sumMagnitudes = new LinkedHashMap<>();
        Map<String, float[]> sumOwn = new LinkedHashMap<>();
        Map<String, float[]> sumTaskVectors = new LinkedHashMap<>();
        Map<String, Tensor> merged = new LinkedHashMap<>();
        try (Arena base = Arena.ofShared(); Parallel parallel = new Parallel(context.threads())) {
            Map<String, Tensor> theta0 = family.weights(pretrained, base);
            for (String name : tower) {
                int count = Math.toIntExact(theta0.get(name).elementCount());
                sumGradients.put(name, new float[count]);
                sumMagnitudes.put(name, new float[count]);
                sumOwn.put(name, new float[count]);
                sumTaskVectors.put(name, new float[count]);
            }
            for (ModelSource model : models) {
                try (Arena arena = Arena.ofShared()) {
                    Map<String, Tensor> theta = family.towerWeights(model, name -> true, arena);
                    Map<String, float[]> gradients = zeroShot ? null : meanAbsoluteGradients(data, model, family, theta0, parallel,
                            context.seed());
                    for (String name : tower) {
                        Tensor t0 = theta0.get(name);
                        Tensor ti = theta.get(name);
                        float[] g = gradients == null ? null : gradients.get(name);
                        float[] sumG = sumGradients.get(name);
                        float[] sumM = sumMagnitudes.get(name);
                        float[] own = sumOwn.get(name);
                        float[] sumT = sumTaskVectors.get(name);
                        for (int e = 0; e < sumG.length; e++) {
                            float tau = ti.data().getAtIndex(Layouts.F32, e) - t0.data().getAtIndex(Layouts.F32, e);
                            float magnitude = Math.abs(tau);
                            float gradient = g == null ? magnitude : g[e];
                            sumG[e] += gradient;
                            sumM[e] += magnitude;
                            own[e] += gradient * magnitude;
                            sumT[e] += tau;
                        }
                    }
                }
            }
            float threshold = threshold(tower, sumGradients, sumMagnitudes, sumOwn);
            Arena result = Arena.ofAuto();
            for (String name : tower) {
                Tensor t0 = theta0.get(name);
                Tensor out = Tensor.allocate(result, DType.F32, t0.shape());
                float[] sumG = sumGradients.get(name);
                float[] sumM = sumMagnitudes.get(name);
                float[] own = sumOwn.get(name);
                float[] sumT = sumTaskVectors.get(name);
                for (int e = 0; e < sumG.length; e++) {
                    boolean kept = sumG[e] * sumM[e] - own[e] < threshold;
                    float value = t0.data().getAtIndex(Layouts.F32, e) + (kept ? (float) (scalingFactor * sumT[e]) : 0f);
                    out.data().setAtIndex(Layouts.F32, e, value);
                }
                merged.put(name, out);
            }
        }
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), merged));
    }

    /** The value of Ω at rank clamp(⌊|Ω| · q⌋, 0, |Ω| − 1) in ascending order. */
    private float threshold(List<String> tower, Map<String, float[]> sumG, Map<String, float[]> sumM, Map<String, float[]> own) {
        long total = 0;
        for (String name : tower) {
            total += sumG.get(name).length;
        }
        float[] omega = new float[Math.toIntExact(total)];
        int position = 0;
        for (String name : tower) {
            float[] g = sumG.get(name);
            float[] m = sumM.get(name);
            float[] o = own.get(name);
            for (int e = 0; e < g.length; e++) {
                omega[position++] = g[e] * m[e] - o[e];
            }
        }
        Arrays.sort(omega);
        long rank = Math.min(Math.max((long) Math.floor(omega.length * quantile), 0), omega.length - 1L);
        return omega[(int) rank];
    }

    /** g̅ᵢ: mean over the task's first shuffled train images of |∇θ CE| at θ0, one sample at a time. */
    private Map<String, float[]> meanAbsoluteGradients(FusionData data, ModelSource model, ClipVisionFamily family,
                                                       Map<String, Tensor> theta0, Parallel parallel, long seed) {
        TaskTrainData train = TaskTrainData.of(data, model);
        List<String> tower = family.towerNames();
        Map<String, float[]> sums = new LinkedHashMap<>();
        int samples = 0;
        try (Arena arena = Arena.ofShared(); TensorParameters params = new TensorParameters(theta0, name -> !name.equals(
                "visual_projection.weight")); Graph graph = Graph.training(parallel)) {
            ZeroShotClassifier classifier = new ZeroShotClassifier(family.model(), train.head(arena));
            List<Var> leaves = params.trainable();
            List<String> names = theta0.keySet().stream().filter(name -> !name.equals("visual_projection.weight")).toList();
            names.forEach(name -> sums.put(name, new float[Math.toIntExact(theta0.get(name).elementCount())]));
            for (int[] batch : TrainSamples.shuffled(train.images().size(), maxSamples, batchSize, seed, train.task())) {
                try (Arena batchArena = Arena.ofShared()) {
                    Tensor pixels = train.pixels(batch, batchArena);
                    long[] labels = train.labels(batch);
                    long imageFloats = pixels.elementCount() / batch.length;
                    for (int i = 0; i < batch.length && samples < maxSamples; i++, samples++) {
                        graph.reset();
                        leaves.forEach(Var::zeroGrad);
                        Tensor one = Tensor.of(DType.F32, amalgam.tensor.Shape.of(1, pixels.shape().dim(1), pixels.shape().dim(2),
                                pixels.shape().dim(3)), pixels.data().asSlice(i * imageFloats * Float.BYTES, imageFloats * Float.BYTES));
                        Var logits = classifier.logits(graph, params, graph.constant(one));
                        graph.backward(graph.crossEntropy(logits, new long[] {labels[i]}));
                        for (int p = 0; p < names.size(); p++) {
                            Tensor grad = leaves.get(p).grad();
                            if (grad == null) {
                                continue;
                            }
                            float[] sum = sums.get(names.get(p));
                            for (int e = 0; e < sum.length; e++) {
                                sum[e] += Math.abs(grad.data().getAtIndex(Layouts.F32, e));
                            }
                        }
                    }
                }
            }
        }
        float scale = 1f / samples;
        for (String name : tower) {
            float[] sum = sums.get(name);
            for (int e = 0; e < sum.length; e++) {
                sum[e] *= scale;
            }
        }
        return sums;
    }
}
