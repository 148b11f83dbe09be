package amalgam.nn;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Parameters as expressions theta(name) = theta0(name) + sum_i lambda[group(name), i] * tau_i(name) (task arithmetic,
 * Ilharco et al. 2023), where the coefficients lambda [groups, tasks] are the one trainable leaf. With one group this is
 * task-wise AdaMerging, with one group per layer it is layer-wise AdaMerging (Yang et al. 2024). Each expression is
 * computed once per graph (memoized) in one fused pass; base weights and task vectors are never copied or updated.
 * With {@code clampToUnit} the expressions use clamp(lambda, 0, 1) instead of lambda (the gradient passes through the
 * clamp where 0 <= lambda <= 1), as AdaMerging's {@code clamp_weights} does.
 */
public final class TaskArithmeticParameters implements Parameters, AutoCloseable {
    private final Map<String, Tensor> base;
    private final List<Map<String, Tensor>> taskVectors;
    private final ToIntFunction<String> group;
    private final Arena arena = Arena.ofShared();
    private final Var lambdas; // [groups, tasks]
    private final boolean clampToUnit;

    /**
     * @param base        theta0 by name (F32)
     * @param taskVectors tau_i by name, one map per task; a task without a name contributes nothing to it
     * @param groups      rows of the coefficient table
     * @param group       the coefficient row of each name, in [0, groups) (e.g. its layer index)
     * @param initial     the starting value of every coefficient (AdaMerging uses 0.3)
     */
    public TaskArithmeticParameters(Map<String, Tensor> base, List<Map<String, Tensor>> taskVectors, int groups,
            ToIntFunction<String> group, float initial) {
        this(base, taskVectors, groups, group, initial, false);
    }

    /** As above; with {@code clampToUnit} the weights read clamp(lambda, 0, 1). */
    public TaskArithmeticParameters(Map<String, Tensor> base, List<Map<String, Tensor>> taskVectors, int groups,
            ToIntFunction<String> group, float initial, boolean clampToUnit) {
        this.clampToUnit = clampToUnit;
        this.base = base;
        this.taskVectors = List.copyOf(taskVectors);
        this.group = group;
        Tensor table = Tensor.allocate(arena, DType.F32, Shape.of(groups, taskVectors.size()));
        for (long i = 0; i < table.elementCount(); i++) {
            table.setFloat(i, initial);
        }
        this.lambdas = Var.parameter(table, arena);
        for (Map.Entry<String, Tensor> entry : base.entrySet()) {
            int row = group.applyAsInt(entry.getKey());
            if (row < 0 || row >= groups) {
                throw new IllegalArgumentException("parameter '" + entry.getKey() + "' maps to coefficient row " + row
                        + " outside [0, " + groups + ")");
            }
            for (int task = 0; task < this.taskVectors.size(); task++) {
                Tensor tau = this.taskVectors.get(task).get(entry.getKey());
                if (tau != null && !tau.shape().equals(entry.getValue().shape())) {
                    throw new IllegalArgumentException("task vector " + task + " '" + entry.getKey() + "' has shape "
                            + tau.shape() + " but the base has " + entry.getValue().shape());
                }
            }
        }
    }

    /** One coefficient per task: lambda [1, tasks]. */
    public static TaskArithmeticParameters taskWise(Map<String, Tensor> base, List<Map<String, Tensor>> taskVectors,
            float initial) {
        return new TaskArithmeticParameters(base, taskVectors, 1, name -> 0, initial);
    }

    /** The trainable coefficients [groups, tasks]. */
    public Var lambdas() {
        return lambdas;
    }

    @Override
    public Var get(Graph graph, String name) {
        Tensor theta0 = base.get(name);
        if (theta0 == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return graph.memoize(new Key(this, name), () -> {
            List<Var> taus = new ArrayList<>();
            List<Long> indices = new ArrayList<>();
            long row = group.applyAsInt(name);
            for (int task = 0; task < taskVectors.size(); task++) {
                Tensor tau = taskVectors.get(task).get(name);
                if (tau != null) {
                    taus.add(Var.constant(tau));
                    indices.add(row * taskVectors.size() + task);
                }
            }
            Var weights = clampToUnit ? graph.memoize(new ClampKey(this), () -> graph.clamp(lambdas, 0f, 1f)) : lambdas;
            return graph.weightedSum(Var.constant(theta0), taus, weights,
                    indices.stream().mapToLong(Long::longValue).toArray());
        });
    }

    /** Overwrites the coefficients with {@code values} [groups, tasks] row-major (saved coefficients, a reset). */
    public void setLambdas(float[] values) {
        Tensor table = lambdas.value();
        if (values.length != table.elementCount()) {
            throw new IllegalArgumentException(values.length + " coefficients for a table of shape " + table.shape());
        }
        for (int i = 0; i < values.length; i++) {
            table.setFloat(i, values[i]);
        }
    }

    /** The current coefficients [groups, tasks] row-major, as stored (not clamped). */
    public float[] lambdaValues() {
        return lambdas.value().toFloatArray();
    }

    @Override
    public List<String> names() {
        return List.copyOf(base.keySet());
    }

    @Override
    public List<Var> trainable() {
        return List.of(lambdas);
    }

    @Override
    public void close() {
        arena.close();
    }

    private record Key(TaskArithmeticParameters owner, String name) {
    }

    private record ClampKey(TaskArithmeticParameters owner) {
    }
}
