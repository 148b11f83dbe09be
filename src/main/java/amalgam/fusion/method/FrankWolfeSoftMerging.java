package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.TensorInputs;
import amalgam.fusion.data.TaskBatches;
import amalgam.fusion.data.TowerGradient;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.fusion.tta.TestTimeTasks;
import amalgam.fusion.tta.TowerWeights;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.model.clip.ZeroShotHead;
import amalgam.param.Domain;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FusionBench {@code fw_merging/fw_soft} (Chen et al. 2025, Frank–Wolfe merging, soft variant): from θ0, each of
 * {@code max_iters} iterations takes, task by task, the gradient of that task's summed cross-entropy over
 * {@code dataset_size} train samples (a reshuffled stream of single images) at the current model, and picks among the
 * fine-tuned models not yet picked in this iteration (one pick per task, at most {@code max_num_models}): with
 * {@code granularity: task} the model whose weights have the lowest summed per-tensor cosine with the gradient; with
 * {@code layer} each tower tensor from the model whose tensor has the lowest cosine (not yet picked for that tensor),
 * so a pick may mix models. Then it merges the picks into the current model by layer-wise AdaMerging — base = the
 * current model, task vectors θ_c − θ, coefficients initialised to 0.3 in the first iteration and {@code ada_coeff}
 * afterwards, {@code ada_iters} Adam steps (lr 1e-3) of entropy on test batches of 16 of every task (with
 * {@code ada_loss: cross_entropy}, of cross-entropy on labelled train batches of 16). With
 * {@code merge_fn: task_arithmetic} the picks are added instead: θ ← θ + 0.3·s·Σ(θ_c − θ), s = 1 in the first
 * iteration and 2/(k+2)·{@code step_size} after.
 */
public final class FrankWolfeSoftMerging implements FusionMethod {
    private static final String NAME = "fw_merging/fw_soft";
    private static final int CHUNK = 25;

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("fw_soft"),
            "Frank-Wolfe merging, soft: per task the model the gradient prefers, merged in by layer-wise AdaMerging",
            List.of(ParameterSpec.nullable("init_weight", ParameterType.STRING, null, "start: empty or 'base' = θ0"),
                    ParameterSpec.of("max_iters", ParameterType.INT, 10, Domain.integersFrom(0), "Frank-Wolfe iterations"),
                    ParameterSpec.of("merge_fn", ParameterType.STRING, "adamerging", "adamerging or task_arithmetic"),
                    ParameterSpec.nullable("tasks", ParameterType.STRING_LIST, null, "tasks whose gradients pick models (null: all)"),
                    ParameterSpec.of("ada_iters", ParameterType.INT, 500, Domain.integersFrom(0), "AdaMerging steps per iteration"),
                    ParameterSpec.of("dataset_size", ParameterType.INT, 100, Domain.integersFrom(1), "train samples per task gradient"),
                    ParameterSpec.of("ada_coeff", ParameterType.FLOAT, 1e-8, Domain.REAL,
                            "AdaMerging's starting coefficient after the first iteration"),
                    ParameterSpec.of("step_size", ParameterType.FLOAT, 0.1, Domain.NON_NEGATIVE, "step scale (merge_fn task_arithmetic)"),
                    ParameterSpec.of("max_num_models", ParameterType.INT, 100, Domain.integersFrom(1), "models picked per iteration at most"),
                    ParameterSpec.of("granularity", ParameterType.STRING, "task",
                            "task (one model per task gradient) or layer (per tensor, the model whose tensor aligns best)"),
                    ParameterSpec.of("ada_loss", ParameterType.STRING, "entropy_loss",
                            "AdaMerging's objective: entropy_loss (unlabelled test batches) or cross_entropy (labelled train batches)")),
            FrankWolfeSoftMerging::create);

    private final MethodParameters parameters;

    private FrankWolfeSoftMerging(MethodParameters parameters) {
        this.parameters = parameters;
    }

    private static FrankWolfeSoftMerging create(MethodParameters parameters) {
        require(parameters.getString("merge_fn"), "merge_fn", List.of("adamerging", "task_arithmetic"));
        require(parameters.getString("granularity"), "granularity", List.of("task", "layer"));
        require(parameters.getString("ada_loss"), "ada_loss", List.of("entropy_loss", "cross_entropy"));
        Object start = parameters.get("init_weight");
        if (start != null && !start.equals("") && !start.equals("base")) {
            throw new UserInputException("parameter 'init_weight' of method '" + NAME + "': only empty or 'base' (θ0) are supported");
        }
        return new FrankWolfeSoftMerging(parameters);
    }

    private static void require(String value, String parameter, List<String> valid) {
        if (!valid.contains(value)) {
            throw new UserInputException("parameter '" + parameter + "' of method '" + NAME + "': unknown '" + value
                    + "'; valid: " + String.join(", ", valid));
        }
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        ModelSource pretrained = context.pool().requirePretrained(NAME);
        List<ModelSource> all = context.pool().requireModels(NAME, 1);
        int maxModels = (int) Math.min(parameters.getLong("max_num_models"), all.size());
        List<ModelSource> models = all.subList(0, maxModels);
        List<String> tasks = parameters.get("tasks") == null || parameters.getStrings("tasks").isEmpty()
                ? all.stream().map(ModelSource::name).toList() : parameters.getStrings("tasks");
        List<String> allTasks = all.stream().map(ModelSource::name).toList();
        all.forEach(data::taskOf);
        ClipVisionFamily family = data.family();
        List<String> tower = family.towerNames();
        Arena arena = Arena.ofAuto(); // the merged tensors live as long as the jobs that write them
        Map<String, Tensor> theta = family.weights(pretrained, arena);
        Tensor projection = theta.get(ClipVisionFamily.PROJECTION);
        int datasetSize = (int) parameters.getLong("dataset_size");
        List<TaskBatches> streams = new ArrayList<>();
        List<ZeroShotHead> heads = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            streams.add(new TaskBatches(data, data.taskPool().task(tasks.get(i)).name(), ImageTaskPool.Split.TRAIN, CHUNK,
                    TaskBatches.seedFor(context.seed(), i)));
            heads.add(data.taskPool().head(tasks.get(i), arena));
        }
        boolean adaMerging = parameters.getString("merge_fn").equals("adamerging");
        for (int k = 0; k < parameters.getLong("max_iters"); k++) {
            List<Pick> picked = pick(theta, tower, models, tasks, streams, heads, datasetSize, allTasks.size(), family,
                    parameters.getString("granularity").equals("layer"), context.threads());
            if (adaMerging) {
                theta = mergeByAdaMerging(theta, projection, tower, picked, allTasks, data, k == 0 ? 0.3f
                        : (float) parameters.getDouble("ada_coeff"), context, k);
                theta.put(ClipVisionFamily.PROJECTION, projection);
            } else {
                float step = (float) (0.3 * (k == 0 ? 1 : 2.0 / (k + 2) * parameters.getDouble("step_size")));
                addTowards(theta, tower, picked, step);
            }
        }
        Map<String, Tensor> merged = new LinkedHashMap<>();
        for (String name : tower) {
            merged.put(name, theta.get(name));
        }
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), merged));
    }

    /**
     * What one task's gradient picks: the model each tower tensor is taken from. Task granularity takes every tensor
     * from the one model with the lowest summed per-tensor cosine; layer granularity takes each tensor from the model
     * whose tensor has the lowest cosine.
     */
    private record Pick(Map<String, ModelSource> sources) {
        ModelSource source(String tensor) {
            return sources.get(tensor);
        }

        /** The name of the task vector this pick contributes (its model, or the models it mixes). */
        String name() {
            return String.join("+", new java.util.LinkedHashSet<>(sources.values().stream().map(ModelSource::name).toList()));
        }
    }

    /**
     * One pick per task (in task order), each among the models not yet picked in this iteration (per tensor, with layer
     * granularity); at most as many picks as models.
     */
    private List<Pick> pick(Map<String, Tensor> theta, List<String> tower, List<ModelSource> models, List<String> tasks,
                            List<TaskBatches> streams, List<ZeroShotHead> heads, int datasetSize, int taskCount,
                            ClipVisionFamily family, boolean perTensor, int threads) {
        List<Pick> picked = new ArrayList<>();
        try (Arena scratch = Arena.ofShared()) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            theta.forEach((name, tensor) -> { // a writable copy: the gradient graph wraps it
                Tensor copy = Tensor.allocate(scratch, tensor.dtype(), tensor.shape());
                copy.data().copyFrom(tensor.data());
                weights.put(name, copy);
            });
            try (TowerGradient gradient = new TowerGradient(family.model(), weights, tower, threads)) {
                for (int t = 0; t < tasks.size() && picked.size() < models.size(); t++) {
                    gradient.zero();
                    float weight = 1f / ((float) datasetSize * taskCount);
                    for (int done = 0; done < datasetSize; done += CHUNK) {
                        int count = Math.min(CHUNK, datasetSize - done);
                        try (Arena batch = Arena.ofConfined()) {
                            gradient.accumulate(streams.get(t).samples(count, batch), heads.get(t),
                                    TowerGradient.Loss.CROSS_ENTROPY, weight * count);
                        }
                    }
                    picked.add(perTensor ? pickPerTensor(gradient.gradients(), tower, models, picked)
                            : pickOneModel(gradient.gradients(), tower, models, picked));
                }
            }
        }
        return picked;
    }

    private static Pick pickOneModel(Map<String, Tensor> g, List<String> tower, List<ModelSource> models, List<Pick> earlier) {
        ModelSource best = null;
        double bestScore = Double.POSITIVE_INFINITY;
        for (ModelSource model : models) {
            if (earlier.stream().anyMatch(pick -> pick.source(tower.getFirst()) == model)) {
                continue;
            }
            double score = 0;
            for (String name : tower) {
                score += cosine(g.get(name), model, name);
            }
            if (score < bestScore) {
                bestScore = score;
                best = model;
            }
        }
        Map<String, ModelSource> sources = new LinkedHashMap<>();
        for (String name : tower) {
            sources.put(name, best);
        }
        return new Pick(sources);
    }

    private static Pick pickPerTensor(Map<String, Tensor> g, List<String> tower, List<ModelSource> models, List<Pick> earlier) {
        Map<String, ModelSource> sources = new LinkedHashMap<>();
        for (String name : tower) {
            ModelSource best = null;
            double bestScore = Double.POSITIVE_INFINITY;
            for (ModelSource model : models) {
                if (earlier.stream().anyMatch(pick -> pick.source(name) == model)) {
                    continue;
                }
                double score = cosine(g.get(name), model, name);
                if (score < bestScore) {
                    bestScore = score;
                    best = model;
                }
            }
            sources.put(name, best);
        }
        return new Pick(sources);
    }

    private static double cosine(Tensor gradient, ModelSource model, String name) {
        try (Arena read = Arena.ofConfined()) {
            return FrankWolfeMerging.cosine(gradient, TensorInputs.read(model, name, gradient.shape(), read));
        }
    }

    /** Layer-wise AdaMerging with base θ and task vectors θ_c − θ of the picked models. */
    private Map<String, Tensor> mergeByAdaMerging(Map<String, Tensor> theta, Tensor projection, List<String> tower,
                                                  List<Pick> picked, List<String> tasks, FusionData data, float initial,
                                                  FusionContext context, int iteration) {
        try (Arena arena = Arena.ofShared()) {
            Map<String, Tensor> base = new LinkedHashMap<>();
            tower.forEach(name -> base.put(name, theta.get(name)));
            List<Map<String, Tensor>> vectors = new ArrayList<>();
            for (Pick pick : picked) {
                Map<String, Tensor> tau = new LinkedHashMap<>();
                for (String name : tower) {
                    Tensor difference = TensorInputs.read(pick.source(name), name, base.get(name).shape(), arena);
                    F32Tensors.addScaledInPlace(difference, base.get(name), -1f);
                    tau.put(name, difference);
                }
                vectors.add(tau);
            }
            AdaMerging adaMerging = new AdaMerging(new AdaMerging.Settings(NAME, AdaMerging.Granularity.LAYER_WISE, null, 1e-3f,
                    initial, false, 16, parameters.getLong("ada_iters"), null));
            boolean crossEntropy = parameters.getString("ada_loss").equals("cross_entropy");
            long seed = TaskBatches.seedFor(context.seed(), 1000 + iteration);
            Map<String, Tensor> merged = new LinkedHashMap<>(adaMerging.learn(new TowerWeights(tower, base, vectors, projection),
                    picked.stream().map(Pick::name).toList(), data, () -> new TestTimeTasks(data.taskPool(),
                            crossEntropy ? ImageTaskPool.Split.TRAIN : ImageTaskPool.Split.TEST, tasks, 16,
                            data.family().model().config().vision().imageSize(), seed, arena),
                    crossEntropy, initial, context.threads()).tower());
            return merged;
        }
    }

    /** θ ← θ + step · Σ_c (θ_c − θ) over the picked models (the sum taken at the current θ). */
    private static void addTowards(Map<String, Tensor> theta, List<String> tower, List<Pick> picked, float step) {
        for (String name : tower) {
            Tensor current = theta.get(name);
            try (Arena arena = Arena.ofConfined()) {
                Tensor sum = Tensor.allocate(arena, amalgam.tensor.DType.F32, current.shape());
                for (Pick pick : picked) {
                    F32Tensors.addScaledInPlace(sum, TensorInputs.read(pick.source(name), name, current.shape(), arena), 1f);
                    F32Tensors.addScaledInPlace(sum, current, -1f);
                }
                F32Tensors.addScaledInPlace(current, sum, step);
            }
        }
    }
}
