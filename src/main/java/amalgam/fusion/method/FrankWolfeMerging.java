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
import amalgam.fusion.TensorInputs;
import amalgam.fusion.data.TaskBatches;
import amalgam.fusion.data.TowerGradient;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.merge.ModelSource;
import amalgam.merge.Progress;
import amalgam.merge.TensorJob;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.model.clip.ZeroShotHead;
import amalgam.param.Domain;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FusionBench {@code fw_merging/fw_hard}, Frank–Wolfe merging (Chen et al. 2025): starting from a merge of all
 * fine-tuned models (or θ0, or saved layer-wise coefficients), each iteration k takes the gradient G of the summed
 * loss Σ_tasks Σ_samples CE/(N·T) (N = {@code dataset_size} labelled train samples per task, drawn from a
 * reshuffled stream; {@code loss_fn: entropy} uses unlabelled test samples instead) at the current model θ, picks
 * the candidate c (each fine-tuned model, and the initial merge) minimising Σ_keys cos(G[k], θ_c[k]) — per key with
 * {@code granularity: layer} — and moves θ ← θ + γ·λ·(θ_c − θ) with γ = 2/(k+2)·{@code step_size} (with
 * {@code merge_fn: ties} the move's difference is first trimmed to its top {@code threshold} % magnitudes over the
 * whole tower). Candidates' weights, not task vectors, enter the cosine, as in FusionBench. A zero-norm pair counts
 * as cosine 0 (FusionBench would produce NaN). Only the vision tower moves; other tensors keep θ0's values.
 */
public final class FrankWolfeMerging implements FusionMethod {
    private static final String NAME = "fw_merging/fw_hard";
    /** Images per forward when accumulating a task's N samples (the sum is the same for any chunking). */
    private static final int CHUNK = 25;

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("fw_hard"),
            "Frank-Wolfe merging: move towards the model the loss gradient prefers, one model per step",
            List.of(ParameterSpec.of("merge_fn", ParameterType.STRING, "task_arithmetic", "task_arithmetic or ties"),
                    ParameterSpec.of("max_iters", ParameterType.INT, 10, Domain.integersFrom(0), "Frank-Wolfe iterations"),
                    ParameterSpec.of("step_size", ParameterType.FLOAT, 0.1, Domain.NON_NEGATIVE, "step size scale of 2/(k+2)"),
                    ParameterSpec.of("dataset_size", ParameterType.INT, 100, Domain.integersFrom(1),
                            "samples per task for each gradient"),
                    ParameterSpec.of("tasks", ParameterType.STRING_LIST, List.of(), "tasks whose loss is used (empty: all models')"),
                    ParameterSpec.nullable("init_weight", ParameterType.STRING, null,
                            "start: empty = merge_fn of all models, 'base' = θ0, or a saved layer-wise coefficient file"),
                    ParameterSpec.of("loss_fn", ParameterType.STRING, "cross_entropy", "cross_entropy (train) or entropy (test)"),
                    ParameterSpec.of("scaling_factor", ParameterType.FLOAT, 0.3, Domain.REAL, "λ of the merge function"),
                    ParameterSpec.of("max_num_models", ParameterType.INT, 100, Domain.integersFrom(1),
                            "use at most this many fine-tuned models (pool order)"),
                    ParameterSpec.of("granularity", ParameterType.STRING, "task", "task (one model per step) or layer (per tensor)"),
                    ParameterSpec.of("threshold", ParameterType.FLOAT, 20.0, Domain.closed(0, 100),
                            "TIES keep percentage (merge_fn ties)")),
            parameters -> new FrankWolfeMerging(new Settings(
                    choice(parameters.getString("merge_fn"), "merge_fn", List.of("task_arithmetic", "ties")).equals("ties"),
                    (int) parameters.getLong("max_iters"), parameters.getDouble("step_size"),
                    (int) parameters.getLong("dataset_size"), parameters.getStrings("tasks"),
                    parameters.get("init_weight") == null ? "" : parameters.getString("init_weight"),
                    choice(parameters.getString("loss_fn"), "loss_fn", List.of("cross_entropy", "entropy")).equals("entropy")
                            ? TowerGradient.Loss.ENTROPY : TowerGradient.Loss.CROSS_ENTROPY,
                    parameters.getDouble("scaling_factor"), (int) parameters.getLong("max_num_models"),
                    choice(parameters.getString("granularity"), "granularity", List.of("task", "layer")).equals("layer"),
                    parameters.getDouble("threshold"))));

    /** The method's resolved parameters. */
    record Settings(boolean ties, int maxIterations, double stepSize, int datasetSize, List<String> tasks, String initWeight,
                    TowerGradient.Loss loss, double scalingFactor, int maxModels, boolean perLayer, double threshold) {
    }

    private final Settings settings;

    FrankWolfeMerging(Settings settings) {
        this.settings = settings;
    }

    private static String choice(String value, String parameter, List<String> valid) {
        if (!valid.contains(value)) {
            throw new UserInputException("parameter '" + parameter + "' of method '" + NAME + "': unknown '" + value
                    + "'; valid: " + String.join(", ", valid));
        }
        return value;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        ModelPool pool = context.pool();
        ModelSource pretrained = pool.requirePretrained(NAME);
        List<ModelSource> all = pool.requireModels(NAME, 1);
        List<ModelSource> models = all.subList(0, Math.min(settings.maxModels(), all.size()));
        List<String> tasks = settings.tasks().isEmpty() ? models.stream().map(ModelSource::name).toList() : settings.tasks();
        ClipVisionFamily family = data.family();
        List<String> tower = family.towerNames();
        Arena arena = Arena.ofAuto(); // the merged tensors live as long as the jobs that write them
        Map<String, Tensor> theta = family.weights(pretrained, arena);
        initialize(theta, pool, pretrained, models, tower, arena);
        Map<String, Tensor> initial = copyOf(theta, tower, arena);
        ImageTaskPool.Split split = settings.loss() == TowerGradient.Loss.ENTROPY ? ImageTaskPool.Split.TEST : ImageTaskPool.Split.TRAIN;
        List<TaskBatches> batches = new ArrayList<>();
        List<ZeroShotHead> heads = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            batches.add(new TaskBatches(data, data.taskPool().task(tasks.get(i)).name(), split, CHUNK, TaskBatches.seedFor(context.seed(), i)));
            heads.add(data.taskPool().head(tasks.get(i), arena));
        }
        try (TowerGradient gradient = new TowerGradient(family.model(), theta, tower, context.threads());
             Progress progress = Progress.start("fw_hard", settings.maxIterations(), true)) {
            for (int k = 0; k < settings.maxIterations(); k++) {
                gradient.zero();
                float weight = 1f / (settings.datasetSize() * tasks.size());
                for (int t = 0; t < tasks.size(); t++) {
                    for (int done = 0; done < settings.datasetSize(); done += CHUNK) {
                        int count = Math.min(CHUNK, settings.datasetSize() - done);
                        try (Arena batchArena = Arena.ofConfined()) {
                            gradient.accumulate(batches.get(t).samples(count, batchArena), heads.get(t), settings.loss(), weight * count);
                        }
                    }
                }
                Map<String, Tensor> chosen = select(gradient.gradients(), models, initial, tower, arena);
                float step = (float) (2.0 / (k + 2) * settings.stepSize() * settings.scalingFactor());
                move(theta, chosen, tower, step);
                progress.step();
            }
        }
        Map<String, Tensor> merged = new LinkedHashMap<>();
        tower.forEach(name -> merged.put(name, theta.get(name)));
        List<TensorJob> jobs = PerTensorPlan.fromMemory(pool.reference(), merged);
        return new FusionResult.MergedModel(jobs);
    }

    /** θ ← the starting model: merge_fn of all models (default), θ0 ('base') or θ0 + Σ λᵢₖ τᵢ[k] (a saved table). */
    private void initialize(Map<String, Tensor> theta, ModelPool pool, ModelSource pretrained, List<ModelSource> models,
                            List<String> tower, Arena arena) {
        if (settings.initWeight().equals("base")) {
            return;
        }
        List<String> names = models.stream().map(ModelSource::name).toList();
        if (!settings.initWeight().isEmpty()) {
            LearnedCoefficients table = LearnedCoefficients.load(Path.of(settings.initWeight()), "merging_weights", names, tower);
            for (int c = 0; c < tower.size(); c++) {
                String name = tower.get(c);
                Tensor base = theta.get(name);
                for (int i = 0; i < models.size(); i++) {
                    try (Arena scratch = Arena.ofConfined()) {
                        Tensor tau = TensorInputs.read(models.get(i), name, base.shape(), scratch);
                        F32Tensors.addScaledInPlace(tau, TensorInputs.read(pretrained, name, base.shape(), scratch), -1f);
                        F32Tensors.addScaledInPlace(base, tau, table.get(i, c));
                    }
                }
            }
            return;
        }
        List<ModelSource> members = new ArrayList<>();
        members.add(pretrained);
        members.addAll(models);
        ModelPool subset = new ModelPool(members);
        List<TensorJob> jobs = settings.ties()
                ? new TiesMerging(settings.scalingFactor(), settings.threshold(), List.of(), TiesCore.MergeFunction.SUM).plan(subset, 0)
                : new TaskArithmetic(settings.scalingFactor()).plan(subset, 0);
        for (TensorJob job : jobs) {
            if (theta.containsKey(job.outputName()) && tower.contains(job.outputName())) {
                try (Arena scratch = Arena.ofConfined()) {
                    theta.get(job.outputName()).data().copyFrom(job.compute(scratch).data());
                }
            }
        }
    }

    /**
     * The candidate the gradient prefers: the model minimising Σ_k cos(G[k], θ_c[k]) (first on ties), or per key the
     * model minimising cos(G[k], θ_c[k]); candidates are the fine-tuned models, then the initial merge.
     */
    private Map<String, Tensor> select(Map<String, Tensor> gradients, List<ModelSource> models, Map<String, Tensor> initial,
                                       List<String> tower, Arena arena) {
        int candidates = models.size() + 1;
        double[][] cosines = new double[candidates][tower.size()];
        for (int c = 0; c < candidates; c++) {
            for (int k = 0; k < tower.size(); k++) {
                String name = tower.get(k);
                Tensor g = gradients.get(name);
                if (c < models.size()) {
                    try (Arena scratch = Arena.ofConfined()) {
                        cosines[c][k] = cosine(g, TensorInputs.read(models.get(c), name, g.shape(), scratch));
                    }
                } else {
                    cosines[c][k] = cosine(g, initial.get(name));
                }
            }
        }
        int[] choice = new int[tower.size()];
        if (settings.perLayer()) {
            for (int k = 0; k < tower.size(); k++) {
                for (int c = 1; c < candidates; c++) {
                    if (cosines[c][k] < cosines[choice[k]][k]) {
                        choice[k] = c;
                    }
                }
            }
        } else {
            int best = 0;
            double bestSum = Double.POSITIVE_INFINITY;
            for (int c = 0; c < candidates; c++) {
                double sum = 0;
                for (double value : cosines[c]) {
                    sum += value;
                }
                if (sum < bestSum) {
                    bestSum = sum;
                    best = c;
                }
            }
            java.util.Arrays.fill(choice, best);
        }
        Map<String, Tensor> chosen = new LinkedHashMap<>();
        for (int k = 0; k < tower.size(); k++) {
            String name = tower.get(k);
            chosen.put(name, choice[k] < models.size()
                    ? TensorInputs.read(models.get(choice[k]), name, gradients.get(name).shape(), arena) : initial.get(name));
        }
        return chosen;
    }

    /** θ ← θ + step · d with d = θ_c − θ, trimmed to its top magnitudes over the whole tower for merge_fn ties. */
    private void move(Map<String, Tensor> theta, Map<String, Tensor> chosen, List<String> tower, float step) {
        Map<String, float[]> differences = new LinkedHashMap<>();
        for (String name : tower) {
            float[] target = chosen.get(name).toFloatArray();
            float[] current = theta.get(name).toFloatArray();
            for (int i = 0; i < target.length; i++) {
                target[i] -= current[i];
            }
            differences.put(name, target);
        }
        if (settings.ties()) {
            trim(differences, settings.threshold());
        }
        for (String name : tower) {
            Tensor current = theta.get(name);
            F32Tensors.addScaledInPlace(current, Tensor.ofFloats(differences.get(name), current.shape().toArray()), step);
        }
    }

    /**
     * FusionBench's single-row TIES trim over the flat vector (keys in sorted order; the order does not change which
     * entries survive): keep |x| ≥ the j-th smallest magnitude, j = d − ⌊d·K⌋; with one row, sign election and the
     * disjoint merge leave the kept entries as they are.
     */
    static void trim(Map<String, float[]> row, double threshold) {
        long d = row.values().stream().mapToLong(values -> values.length).sum();
        long rank = Math.max(0, d - (long) Math.floor(d * TiesCore.keepFraction(threshold)));
        if (rank == 0) {
            return;
        }
        float[] magnitudes = new float[Math.toIntExact(d)];
        int at = 0;
        for (float[] values : row.values()) {
            for (float value : values) {
                magnitudes[at++] = Math.abs(value);
            }
        }
        java.util.Arrays.sort(magnitudes);
        float cut = magnitudes[(int) rank - 1];
        for (float[] values : row.values()) {
            for (int i = 0; i < values.length; i++) {
                if (Math.abs(values[i]) < cut) {
                    values[i] = 0;
                }
            }
        }
    }

    static double cosine(Tensor a, Tensor b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        long n = a.elementCount();
        for (long i = 0; i < n; i++) {
            double x = a.getFloat(i);
            double y = b.getFloat(i);
            dot += x * y;
            aa += x * x;
            bb += y * y;
        }
        return aa == 0 || bb == 0 ? 0 : dot / (Math.sqrt(aa) * Math.sqrt(bb));
    }

    private static Map<String, Tensor> copyOf(Map<String, Tensor> weights, List<String> names, Arena arena) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        for (String name : names) {
            Tensor source = weights.get(name);
            Tensor target = Tensor.allocate(arena, source.dtype(), source.shape());
            target.data().copyFrom(source.data());
            copy.put(name, target);
        }
        return copy;
    }
}
