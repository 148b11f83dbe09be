package amalgam.fusion.tta;

import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The parameterisation of Concrete AdaMerging's mask meta-learning (Tang et al. 2023): AdaMerging coefficients and one
 * Concrete mask shared by all tasks,
 * <pre>
 *   theta(name) = theta0 + m~(name) (.) sum_i lambda[g(name), i] tau_i(name)
 * </pre>
 * read in one of two {@link Mode}s, because the method takes two different gradients per step: with
 * {@link Mode#COEFFICIENTS} the mask sample enters as a constant (FusionBench detaches it) and the gradient reaches
 * lambda; with {@link Mode#MASK} lambda enters as a constant and the gradient reaches the mask logits. The mode is a
 * {@link ModeSwitch} shared by a master and its lane replicas, set by the training loop between passes. With
 * {@code clampToUnit} the expressions read clamp(lambda, 0, 1).
 */
public final class ConcreteMaskedAdaMerging implements Parameters, AutoCloseable {
    /** Which leaves a pass differentiates. */
    public enum Mode {
        COEFFICIENTS, MASK
    }

    /** The mode of a master and its replicas (set on the training thread before a pass; lanes start after it). */
    public static final class ModeSwitch {
        private volatile Mode mode = Mode.COEFFICIENTS;

        public void set(Mode newMode) {
            mode = newMode;
        }

        Mode get() {
            return mode;
        }
    }

    private final Map<String, Tensor> base;
    private final List<Map<String, Tensor>> taskVectors;
    private final ToIntFunction<String> group;
    private final boolean clampToUnit;
    private final ModeSwitch mode;
    private final ConcreteMask mask;
    private final Arena arena = Arena.ofShared();
    private final Var lambdas; // [groups, tasks]

    /**
     * @param base         theta0 by name
     * @param taskVectors  tau_i by name, one map per task
     * @param groups       rows of the coefficient table
     * @param group        the coefficient row of each name
     * @param initial      every coefficient's starting value
     * @param clampToUnit  whether the expressions read clamp(lambda, 0, 1)
     * @param noise        the mask's shared per-step noise
     * @param temperature  the Concrete temperature
     * @param initialLogit every mask logit's starting value
     * @param mode         the shared mode
     */
    public ConcreteMaskedAdaMerging(Map<String, Tensor> base, List<Map<String, Tensor>> taskVectors, int groups,
                                    ToIntFunction<String> group, float initial, boolean clampToUnit, ConcreteMask.Noise noise,
                                    float temperature, float initialLogit, ModeSwitch mode) {
        this.base = base;
        this.taskVectors = List.copyOf(taskVectors);
        this.group = group;
        this.clampToUnit = clampToUnit;
        this.mode = mode;
        this.mask = new ConcreteMask(base, noise, temperature, initialLogit);
        Tensor table = Tensor.allocate(arena, DType.F32, Shape.of(groups, taskVectors.size()));
        for (long i = 0; i < table.elementCount(); i++) {
            table.setFloat(i, initial);
        }
        this.lambdas = Var.parameter(table, arena);
    }

    /** The coefficients [groups, tasks]. */
    public Var lambdas() {
        return lambdas;
    }

    public ConcreteMask mask() {
        return mask;
    }

    @Override
    public Var get(Graph graph, String name) {
        Tensor theta0 = base.get(name);
        if (theta0 == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return graph.memoize(new Key(this, name), () -> {
            boolean maskPass = mode.get() == Mode.MASK;
            Var coefficients = graph.memoize(new CoefficientsKey(this), () -> {
                Var table = maskPass ? Var.constant(lambdas.value()) : lambdas;
                return clampToUnit ? graph.clamp(table, 0f, 1f) : table;
            });
            List<Var> taus = new ArrayList<>();
            long[] indices = new long[taskVectors.size()];
            long row = group.applyAsInt(name);
            for (int task = 0; task < taskVectors.size(); task++) {
                taus.add(Var.constant(taskVectors.get(task).get(name)));
                indices[task] = row * taskVectors.size() + task;
            }
            Var sample = mask.sample(graph, name);
            Var masked = graph.multiply(maskPass ? sample : Var.constant(sample.value()),
                    graph.weightedSum(null, taus, coefficients, indices));
            return graph.add(Var.constant(theta0), masked);
        });
    }

    @Override
    public List<String> names() {
        return List.copyOf(base.keySet());
    }

    /** lambda first, then the mask logits in name order. */
    @Override
    public List<Var> trainable() {
        List<Var> leaves = new ArrayList<>();
        leaves.add(lambdas);
        leaves.addAll(mask.logits());
        return leaves;
    }

    @Override
    public void close() {
        try {
            mask.close();
        } finally {
            arena.close();
        }
    }

    private record Key(ConcreteMaskedAdaMerging owner, String name) {
    }

    /** The coefficients as this graph's pass reads them (constant or trainable, clamped or not): built once per graph. */
    private record CoefficientsKey(ConcreteMaskedAdaMerging owner) {
    }
}
