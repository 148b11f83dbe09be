package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionJob;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.tta.EntropyMinimization;
import amalgam.fusion.tta.EntropyObjective;
import amalgam.fusion.tta.TestTimeTasks;
import amalgam.fusion.tta.TowerWeights;
import amalgam.io.Checkpoint;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.nn.TensorParameters;
import amalgam.param.Domain;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.regex.Pattern;

/**
 * What the weight-ensembling methods (WEMoE, sparse WEMoE, RankOne-MoE) share: their common options, the model outside
 * the MLP blocks (FusionBench's {@code task_arithmetic_merge} with λ = init_lambda, ported as the intended task
 * arithmetic: its helper raises a TypeError on modules at the reference commit, spec §7.1), the test-time training of
 * the routers (entropy of the zero-shot predictions on unlabeled test batches of every task, Adam, as AdaMerging:
 * {@link EntropyMinimization}, whose lanes keep results independent of the thread count), and the saved tensors.
 */
final class WeightEnsemblingSetup {
    /** The tensors of the vision encoder's MLP blocks. */
    private static final Pattern MLP = Pattern.compile("vision_model\\.encoder\\.layers\\.\\d+\\.mlp\\..*");

    private WeightEnsemblingSetup() {
    }

    /**
     * The options the methods share.
     *
     * @param learningRate        Adam's learning rate
     * @param steps               optimizer steps
     * @param batchSize           test images per task and step
     * @param batchReduce         routing averaged over the batch (training, and evaluation unless perSampleEvaluation)
     * @param perSampleEvaluation amalgam: evaluation routes each image on its own
     * @param routers             a saved mixture folder to take the routers from, skipping training (null: train)
     */
    record Training(float learningRate, long steps, int batchSize, boolean batchReduce, boolean perSampleEvaluation, Path routers) {
        /** The rule evaluation follows: FusionBench's (the training rule: its switch to per-sample misses the modules). */
        boolean evaluationBatchReduce() {
            return batchReduce && !perSampleEvaluation;
        }
    }

    /** The options every method declares, FusionBench's defaults but for the router depth and grad accumulation. */
    static List<ParameterSpec> commonParameters(int routerDepth, boolean gradAccumulate) {
        return List.of(
                ParameterSpec.nullable("checkpoint", ParameterType.STRING, null,
                        "a saved mixture folder of the same kind and shape: take its routers and skip test-time training (false: train)"),
                ParameterSpec.nullable("save_checkpoint", ParameterType.STRING, null,
                        "where the mixture is saved when merged_model_save_path is not given (false: nowhere)"),
                ParameterSpec.of("router_hidden_layers", ParameterType.INT, routerDepth, Domain.integers(0, 2),
                        "router depth: 0 (a free vector), 1 (linear) or 2 (linear, ReLU, linear)"),
                ParameterSpec.of("init_lambda", ParameterType.FLOAT, 0.3, Domain.REAL,
                        "the routers' initial output bias, and task arithmetic's λ outside the MLP blocks"),
                ParameterSpec.of("batch_reduce", ParameterType.BOOL, true,
                        "average the routing over the batch (training and, as FusionBench does, evaluation) instead of per image"),
                ParameterSpec.of("lr", ParameterType.FLOAT, 1e-4, Domain.POSITIVE, "Adam's learning rate"),
                ParameterSpec.of("optimizer", ParameterType.STRING, "adam", "the optimizer (adam only)"),
                ParameterSpec.of("batch_size", ParameterType.INT, 16, Domain.integersFrom(1), "test images per task and step"),
                ParameterSpec.of("num_workers", ParameterType.INT, 16, Domain.integersFrom(0), "accepted for compatibility; no effect"),
                ParameterSpec.of("max_steps", ParameterType.INT, 1000, Domain.integersFrom(0), "optimizer steps of test-time training"),
                ParameterSpec.of("use_grad_accumulate", ParameterType.BOOL, gradAccumulate,
                        "accepted for compatibility; no effect (accumulated per-task gradients equal the summed loss's)"),
                ParameterSpec.of("cache_dir", ParameterType.STRING, "outputs", "accepted for compatibility; no effect"),
                ParameterSpec.of("eval_per_sample_routing", ParameterType.BOOL, false,
                        "amalgam: evaluate with each image routed on its own (FusionBench's evaluation averages the routing over"
                                + " each evaluation batch, since its switch to per-sample routing never reaches the MoE modules)"));
    }

    static Training training(MethodParameters parameters) {
        TestTimeOptions.requireAdam(parameters);
        return new Training((float) parameters.getDouble("lr"), parameters.getLong("max_steps"),
                Math.toIntExact(Math.min(parameters.getLong("batch_size"), Integer.MAX_VALUE)), parameters.getBoolean("batch_reduce"),
                parameters.getBoolean("eval_per_sample_routing"), pathOrFalse(parameters.get("checkpoint")));
    }

    /** FusionBench writes {@code False} for "no path". */
    private static Path pathOrFalse(Object value) {
        if (value == null || value instanceof Boolean || String.valueOf(value).equalsIgnoreCase("false")) {
            return null;
        }
        return Path.of(String.valueOf(value));
    }

    /**
     * The pool read for a weight-ensembling method, as float32.
     *
     * @param tower      θ0 and every τᵢ of the vision tower
     * @param arithmetic task arithmetic (λ = init_lambda) of every tower tensor outside the MLP blocks
     */
    record Inputs(FusionData data, ModelSource pretrained, List<ModelSource> models, TowerWeights tower, Map<String, Tensor> arithmetic) {
        ClipConfig.Tower vision() {
            return data.family().model().config().vision();
        }

        List<String> expertNames() {
            return models.stream().map(ModelSource::name).toList();
        }
    }

    /** Reads the pool (memory that lives as long as the returned jobs need it). */
    static Inputs load(FusionContext context, String method, float initLambda) {
        FusionData data = context.requireData(method);
        ModelSource pretrained = context.pool().requirePretrained(method);
        List<ModelSource> models = context.pool().requireModels(method, 1);
        models.forEach(data::taskOf);
        Arena arena = Arena.ofAuto();
        TowerWeights tower = TowerWeights.load(data.family(), pretrained, models, arena);
        Map<String, Tensor> arithmetic = new LinkedHashMap<>();
        for (String name : tower.names()) {
            if (!inMlp(name)) {
                arithmetic.put(name, TaskArithmetic.merge(pretrained, models, initLambda, name, pretrained.shapeOf(name), arena));
            }
        }
        return new Inputs(data, pretrained, models, tower, arithmetic);
    }

    static boolean inMlp(String name) {
        return MLP.matcher(name).matches();
    }

    /** The tower as the mixture's forward reads it: task arithmetic outside the MLPs, θ0's MLPs, and the mixture's tensors. */
    static Map<String, Tensor> towerTensors(Inputs inputs, Map<String, Tensor> mixture) {
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (String name : inputs.tower().names()) {
            all.put(name, inMlp(name) ? inputs.tower().base().get(name) : inputs.arithmetic().get(name));
        }
        all.putAll(mixture);
        return all;
    }

    /**
     * Trains {@code routers} (updated in place) by test-time entropy minimisation with the mixture forward {@code mlps}
     * (which reads every tensor from the parameters), or loads them from the saved mixture {@code training.routers()}.
     */
    static void trainRouters(Inputs inputs, Map<String, Tensor> frozen, Map<String, Tensor> routers, ClipModel.Mlps mlps,
                             Training training, FusionContext context, String method) {
        if (training.routers() != null) {
            loadRouters(training.routers(), routers, method);
            return;
        }
        if (training.steps() == 0) {
            return;
        }
        Map<String, Tensor> all = new LinkedHashMap<>(frozen);
        all.putAll(routers);
        ClipModel model = new ClipModel(inputs.data().family().model().config(), ClipModel.Linears.PLAIN, mlps);
        try (Arena arena = Arena.ofShared(); TensorParameters master = new TensorParameters(all, routers::containsKey)) {
            TestTimeTasks batches = new TestTimeTasks(inputs.data().taskPool(), inputs.expertNames(), training.batchSize(),
                    inputs.vision().imageSize(), context.seed(), arena);
            EntropyObjective objective = new EntropyObjective(model, inputs.tower().projection(), batches.heads());
            EntropyMinimization.Outcome outcome = EntropyMinimization.run(master, () -> replica(all, routers), objective, batches,
                    new EntropyMinimization.Settings(training.learningRate(), training.steps()), context.threads(), method);
            System.err.println(method + ": " + outcome.summary());
        }
    }

    /** A lane's copy: the same frozen tensors, its own router tensors. */
    private static TensorParameters replica(Map<String, Tensor> all, Map<String, Tensor> routers) {
        Arena arena = Arena.ofAuto();
        Map<String, Tensor> copy = new LinkedHashMap<>(all);
        routers.forEach((name, tensor) -> {
            Tensor own = Tensor.allocate(arena, DType.F32, tensor.shape());
            own.data().copyFrom(tensor.data());
            copy.put(name, own);
        });
        return new TensorParameters(copy, routers::containsKey);
    }

    /** The routers of a saved mixture folder, checked by name and shape. */
    private static void loadRouters(Path folder, Map<String, Tensor> routers, String method) {
        try (Checkpoint checkpoint = Checkpoint.open(folder); Arena arena = Arena.ofConfined()) {
            routers.forEach((name, target) -> {
                if (!checkpoint.contains(name)) {
                    throw new UserInputException("parameter 'checkpoint' of method '" + method + "': '" + folder + "' has no router tensor '"
                            + name + "' (it must be a mixture saved by the same method over the same pool)");
                }
                Tensor stored = checkpoint.tensor(name);
                if (!stored.shape().equals(target.shape()) || !stored.dtype().isFloatingPoint()) {
                    throw new UserInputException("parameter 'checkpoint' of method '" + method + "': tensor '" + name + "' in '" + folder
                            + "' is " + stored.dtype() + " " + stored.shape() + ", the mixture needs " + target.shape());
                }
                target.data().copyFrom(Convert.toF32(stored, arena).data());
            });
        }
    }

    /**
     * Every tensor of the reference model in its order — task arithmetic outside the MLPs, θ0 in them, and the rest
     * (visual_projection) from the pretrained model — then the mixture's tensors, written in the dtype of the tower's
     * fc1 weight.
     */
    static List<TensorJob> jobs(Inputs inputs, ModelSource reference, SequencedMap<String, Tensor> mixture) {
        List<TensorJob> jobs = new ArrayList<>();
        for (String name : reference.tensorNames()) {
            DType dtype = reference.dtypeOf(name);
            Shape shape = reference.shapeOf(name);
            Tensor arithmetic = inputs.arithmetic().get(name);
            if (arithmetic != null) {
                jobs.add(memoryJob(name, dtype, arithmetic));
            } else if (inputs.pretrained().tensorNames().contains(name)) {
                jobs.add(PerTensorPlan.copyAs(inputs.pretrained(), name, name, dtype));
            } else {
                jobs.add(PerTensorPlan.passThrough(reference, name, dtype, shape));
            }
        }
        DType dtype = reference.dtypeOf(amalgam.model.moe.WeightEnsemblingTensorNames.base(0, "fc1", "weight"));
        mixture.forEach((name, tensor) -> jobs.add(memoryJob(name, dtype, tensor)));
        return jobs;
    }

    private static TensorJob memoryJob(String name, DType dtype, Tensor value) {
        Shape shape = value.shape();
        return new FusionJob(name, dtype, shape, shape.elementCount() * Float.BYTES, arena -> {
            Tensor copy = Tensor.allocate(arena, DType.F32, shape);
            copy.data().copyFrom(value.data());
            return copy;
        });
    }
}
