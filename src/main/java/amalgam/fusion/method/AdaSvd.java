package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.LearnedCoefficients;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.ModelPool;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.closedform.TaskTrainData;
import amalgam.fusion.closedform.TrainSamples;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileTensorNames;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.param.Domain;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * FusionBench {@code ada_svd/clip_vision} ({@code AdaSVDMergingForCLIPVisionModel}; built on SMILE, Tang et al., 2024),
 * spec §7.6. A SMILE model with dense experts ΔWᵢ, top_k = T and gate_k gate rows per expert ({@link DenseSmileLayer})
 * is run, layer by layer, on {@code num_samples} random train images of every task (pool order, seeded): the
 * embeddings and pre_layrnorm make the first layer's input, each layer (with its MoE linears) runs on all of them and
 * its output is the next layer's input. Meanwhile every MoE linear records w̄ᵢ, the mean over all tokens of all images
 * of expert i's softmax routing probability ({@link RoutingWeightMeter}). Each layer is then collapsed to plain
 * linears: W = W0 + Σᵢ c·w̄ᵢ ΔWᵢ, b = b0 + Σᵢ c·w̄ᵢ (bᵢ − b0), with c = {@code scaling_factor} (one number, one per task,
 * or null for 1). The output is a plain model; the measured w̄ are its learned table {@code routing_weights}
 * (rows: task models; columns: MoE linears).
 *
 * <p>Every other tensor is θ0's, or with {@code average_experts} the task models' mean (the leaf modules SMILE averages:
 * embeddings' tables and layer norms, not the class embedding); the averaged ones are in place while routing is measured,
 * as in FusionBench. A linear no task model changed stays W0 and is not in the table. gate_k is clamped to min(out, in)
 * as in {@link SmileUpscaling}. The images are drawn by a shuffle seeded by {@code seed} (null: the run's seed) and the
 * task's name; FusionBench draws them with torch's generator, so the sample (not the rule) differs. {@code device} and
 * {@code upscaling_accelerator} are accepted for compatibility (CPU only). Results do not depend on the thread count.
 */
public final class AdaSvd implements FusionMethod {
    public static final String NAME = "ada_svd/clip_vision";
    /** Images per forward batch: per-token statistics, so the batching changes no result. */
    private static final int BATCH = 32;
    private static final String TABLE = "routing_weights";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of(),
            "AdaSVD: a dense-expert SMILE model (top_k = T) measures each encoder linear's mean routing weights w̄ᵢ on random"
                    + " train images of every task, layer by layer; each linear is collapsed to W0 + Σ c·w̄ᵢ ΔWᵢ (biases likewise)",
            List.of(ParameterSpec.nullable("scaling_factor", ParameterType.FLOAT_OR_FLOAT_LIST, null, Domain.REAL,
                            "c: one number or one per task model (null: 1)"),
                    ParameterSpec.of("num_samples", ParameterType.INT, 256, Domain.integersFrom(1),
                            "random train images per task (the whole split when it is smaller)"),
                    ParameterSpec.of("gate_k", ParameterType.INT, 16, Domain.integersFrom(1),
                            "right singular vectors per expert in the gate (clamped to min(out, in))"),
                    ParameterSpec.of("average_experts", ParameterType.BOOL, false,
                            "tensors outside the encoder linears are the task models' mean instead of θ0's"),
                    ParameterSpec.nullable("device", ParameterType.STRING, "cuda", "accepted for compatibility; CPU only"),
                    ParameterSpec.nullable("upscaling_accelerator", ParameterType.STRING, null, "accepted for compatibility; CPU only"),
                    ParameterSpec.nullable("seed", ParameterType.INT, 0, CommonParameters.SEEDS,
                            "seed of the image sample (null: the run's seed)")),
            AdaSvd::new);

    private final Object scalingFactor;
    private final int samples;
    private final int gateK;
    private final boolean averageExperts;
    private final Long seed;

    private AdaSvd(MethodParameters parameters) {
        this.scalingFactor = parameters.get("scaling_factor");
        this.samples = Math.toIntExact(parameters.getLong("num_samples"));
        this.gateK = Math.toIntExact(parameters.getLong("gate_k"));
        this.averageExperts = parameters.getBoolean("average_experts");
        this.seed = (Long) parameters.get("seed");
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        ModelPool pool = context.pool();
        ModelSource base = pool.requirePretrained(NAME);
        List<ModelSource> models = pool.requireModels(NAME, 1);
        float[] scaling = scaling(models.size());
        List<TaskTrainData> tasks = new ArrayList<>();
        for (ModelSource model : models) {
            tasks.add(sampled(TaskTrainData.of(data, model)));
        }
        ClipVisionFamily family = data.family();
        List<String> tower = family.towerNames();
        Set<String> linearTensors = linearTensors(tower);
        Arena result = Arena.ofAuto();
        Map<String, Tensor> averaged = averages(base, models, tower, linearTensors, result);
        Map<String, Tensor> merged = new LinkedHashMap<>(averaged);
        List<String> columns = new ArrayList<>();
        List<float[]> routing = new ArrayList<>();
        long sampleSeed = seed != null ? seed : context.seed();
        Arena hiddenArena = Arena.ofShared();
        try (Parallel parallel = new Parallel(context.threads()); Graph graph = Graph.inference(parallel)) {
            List<Tensor> hidden = embeddings(tasks, family, base, averaged, graph, sampleSeed, hiddenArena);
            int layers = family.model().config().vision().layers();
            for (int layer = 0; layer < layers; layer++) {
                String prefix = ClipModel.visionLayerPrefix(layer);
                try (Arena layerArena = Arena.ofShared()) {
                    Map<String, Tensor> weights = upscaled(family, base, averaged, name -> name.startsWith(prefix), layerArena);
                    List<String> linears = tower.stream().filter(name -> name.startsWith(prefix))
                            .map(SmileUpscaling.LINEAR::matcher).filter(java.util.regex.Matcher::matches).map(m -> m.group(1)).toList();
                    DenseSmileLayer smile = DenseSmileLayer.build(linears, weights, models, gateK, averageExperts, layerArena);
                    RoutingWeightMeter meter = new RoutingWeightMeter(smile.mixture(), smile.tensors());
                    Arena next = Arena.ofShared();
                    hidden = forward(new ClipModel(family.model().config(), meter), layer, weights, hidden, graph, next);
                    hiddenArena.close();
                    hiddenArena = next;
                    for (SmileMixture.Linear linear : smile.mixture().linears()) {
                        float[] means = meter.means(linear.name());
                        float[] coefficients = new float[means.length];
                        for (int i = 0; i < means.length; i++) {
                            coefficients[i] = means[i] * scaling[i];
                        }
                        merged.putAll(smile.collapse(linear, weights, coefficients, result));
                        columns.add(linear.name());
                        routing.add(means);
                    }
                }
            }
        } finally {
            hiddenArena.close();
        }
        List<String> names = models.stream().map(ModelSource::name).toList();
        System.err.println(NAME + ": routed up to " + samples + " train images of each of " + names.size() + " task(s) through "
                + columns.size() + " MoE linear(s) and collapsed them");
        List<LearnedCoefficients> learned = columns.isEmpty() ? List.of() : List.of(table(names, columns, routing));
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(pool.reference(), merged), learned);
    }

    /** c per task model: the list as given (one per task), one number for all, or 1 when null. */
    private float[] scaling(int tasks) {
        float[] scaling = new float[tasks];
        if (scalingFactor instanceof List<?> list) {
            if (list.size() != tasks) {
                throw new UserInputException("parameter 'scaling_factor' of method '" + NAME + "' lists " + list.size()
                        + " value(s) but the pool has " + tasks + " task model(s); give one number or one per task model");
            }
            for (int i = 0; i < tasks; i++) {
                scaling[i] = ((Number) list.get(i)).floatValue();
            }
        } else {
            java.util.Arrays.fill(scaling, scalingFactor == null ? 1f : ((Number) scalingFactor).floatValue());
        }
        return scaling;
    }

    /**
     * Notes a task whose train split has fewer than num_samples images: all of them are used (FusionBench asserts
     * instead; amalgam's data-dependent methods read the whole split then, which a fast_dev_run's one batch needs).
     */
    private TaskTrainData sampled(TaskTrainData task) {
        if (task.images().size() < samples) {
            System.err.println(NAME + ": the train split of task '" + task.task() + "' has " + task.images().size()
                    + " images, fewer than num_samples=" + samples + "; all of them are used");
        }
        return task;
    }

    /** The weights and biases of every encoder linear of the tower. */
    private static Set<String> linearTensors(List<String> tower) {
        Set<String> names = new HashSet<>();
        for (String name : tower) {
            var match = SmileUpscaling.LINEAR.matcher(name);
            if (match.matches()) {
                names.add(SmileTensorNames.weight(match.group(1)));
                names.add(SmileTensorNames.bias(match.group(1)));
            }
        }
        return names;
    }

    /** With average_experts, the task models' mean of every tensor SMILE averages (none otherwise). */
    private Map<String, Tensor> averages(ModelSource base, List<ModelSource> models, List<String> tower, Set<String> linearTensors,
                                         Arena arena) {
        Map<String, Tensor> means = new LinkedHashMap<>();
        if (!averageExperts) {
            return means;
        }
        for (String name : tower) {
            if (SmileUpscaling.averaged(name) && !linearTensors.contains(name) && base.dtypeOf(name).isFloatingPoint()) {
                means.put(name, SimpleAverage.average(models, name, base.shapeOf(name), arena));
            }
        }
        return means;
    }

    /** The upscaled model's tower tensors that {@code names} accepts: θ0's, or the mean where it was averaged. */
    private static Map<String, Tensor> upscaled(ClipVisionFamily family, ModelSource base, Map<String, Tensor> averaged,
                                                java.util.function.Predicate<String> names, Arena arena) {
        Map<String, Tensor> weights = new LinkedHashMap<>(family.towerWeights(base, names, arena));
        weights.replaceAll((name, value) -> averaged.getOrDefault(name, value));
        return weights;
    }

    /** Every task's sampled images as pre_layrnorm(embeddings(x)), in batches, task after task, copied into {@code arena}. */
    private List<Tensor> embeddings(List<TaskTrainData> tasks, ClipVisionFamily family, ModelSource base, Map<String, Tensor> averaged,
                                    Graph graph, long sampleSeed, Arena arena) {
        List<Tensor> hidden = new ArrayList<>();
        try (Arena weightsArena = Arena.ofShared();
             TensorParameters params = TensorParameters.frozen(upscaled(family, base, averaged,
                     name -> name.startsWith("vision_model.embeddings.") || name.startsWith("vision_model.pre_layrnorm."), weightsArena))) {
            for (TaskTrainData task : tasks) {
                int[] sample = TrainSamples.shuffled(task.images().size(), samples, samples, sampleSeed, task.task()).getFirst();
                for (int start = 0; start < sample.length; start += BATCH) {
                    int[] batch = java.util.Arrays.copyOfRange(sample, start, Math.min(sample.length, start + BATCH));
                    graph.reset();
                    try (Arena pixels = Arena.ofShared()) {
                        hidden.add(copy(family.model().visionEmbeddings(graph, params, graph.constant(task.pixels(batch, pixels))), arena));
                    }
                }
            }
        } finally {
            graph.reset();
        }
        return hidden;
    }

    /** Encoder layer {@code layer} of {@code model} (its MoE linears metering) on every batch, outputs copied into {@code arena}. */
    private static List<Tensor> forward(ClipModel model, int layer, Map<String, Tensor> weights, List<Tensor> hidden, Graph graph,
                                        Arena arena) {
        List<Tensor> next = new ArrayList<>();
        try (TensorParameters params = TensorParameters.frozen(weights)) {
            for (Tensor input : hidden) {
                graph.reset();
                next.add(copy(model.visionLayer(graph, params, layer, graph.constant(input), null), arena));
            }
        } finally {
            graph.reset();
        }
        return next;
    }

    /** The measured w̄ as a [tasks, linears] table. */
    private static LearnedCoefficients table(List<String> tasks, List<String> columns, List<float[]> routing) {
        float[] values = new float[tasks.size() * columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            for (int t = 0; t < tasks.size(); t++) {
                values[t * columns.size() + c] = routing.get(c)[t];
            }
        }
        return new LearnedCoefficients(TABLE, tasks, columns, values);
    }

    private static Tensor copy(Var value, Arena arena) {
        Tensor copy = Tensor.allocate(arena, DType.F32, value.shape());
        copy.data().copyFrom(value.value().data());
        return copy;
    }
}
