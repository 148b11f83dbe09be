package amalgam.model.moe;

import amalgam.nn.Graph;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.CounterRng;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Function;

/**
 * The router of a weight-ensembling mixture (FusionBench's {@code Depth_{0,1,2}_Gate}): per token, E merging weights
 * (no softmax) from the MLP block's input.
 * <pre>
 *   depth 0: r = w                                   (a free vector, the same for every token)
 *   depth 1: r = W x + b
 *   depth 2: r = W2 relu(W1 x + b1) + b2             (W1 [H, in])
 * </pre>
 * Initialised as FusionBench does: every weight matrix ~ N(0, 0.01²), the hidden bias 0, the output bias (or the depth-0
 * vector) init_lambda, so training starts from task arithmetic with λ = init_lambda for every expert. Tensor names:
 * {@link WeightEnsemblingTensorNames}.
 *
 * @param depth  hidden layers: 0, 1 or 2
 * @param in     input features (the hidden size, plus the layer code of a shared gate)
 * @param hidden the depth-2 router's hidden width (unused otherwise)
 * @param outputs E, weights per token
 */
public record WeightEnsemblingRouter(int depth, int in, int hidden, int outputs) {
    private static final float INIT_STD = 0.01f;

    public WeightEnsemblingRouter {
        if (depth < 0 || depth > 2 || in < 1 || outputs < 1 || (depth == 2 && hidden < 1)) {
            throw new IllegalArgumentException("router depth " + depth + ", in " + in + ", hidden " + hidden + ", outputs " + outputs);
        }
    }

    /** The router's tensors under {@code prefix}, with their shapes, in FusionBench's parameter order. */
    public SequencedMap<String, Shape> tensors(String prefix) {
        SequencedMap<String, Shape> tensors = new LinkedHashMap<>();
        switch (depth) {
            case 0 -> tensors.put(prefix + ".weight", Shape.of(outputs));
            case 1 -> {
                tensors.put(prefix + ".fc.weight", Shape.of(outputs, in));
                tensors.put(prefix + ".fc.bias", Shape.of(outputs));
            }
            default -> {
                tensors.put(prefix + ".fc1.weight", Shape.of(hidden, in));
                tensors.put(prefix + ".fc1.bias", Shape.of(hidden));
                tensors.put(prefix + ".fc2.weight", Shape.of(outputs, hidden));
                tensors.put(prefix + ".fc2.bias", Shape.of(outputs));
            }
        }
        return tensors;
    }

    /** Parameters of one router. */
    public long parameters() {
        return tensors("g").values().stream().mapToLong(Shape::elementCount).sum();
    }

    /** r for x [..., in] -> [..., E]; depth 0 ignores x and returns the vector [E]. */
    public Var apply(Graph graph, Function<String, Var> tensor, String prefix, Var x) {
        return switch (depth) {
            case 0 -> tensor.apply(prefix + ".weight");
            case 1 -> graph.linear(x, tensor.apply(prefix + ".fc.weight"), tensor.apply(prefix + ".fc.bias"));
            default -> graph.linear(graph.relu(graph.linear(x, tensor.apply(prefix + ".fc1.weight"), tensor.apply(prefix + ".fc1.bias"))),
                    tensor.apply(prefix + ".fc2.weight"), tensor.apply(prefix + ".fc2.bias"));
        };
    }

    /**
     * FusionBench's initial values under {@code prefix}, in {@code arena}: normal weights drawn from a counter-based
     * generator keyed by (seed, tensor name), so they do not depend on the thread count or on other routers.
     */
    public Map<String, Tensor> initialValues(String prefix, float initLambda, long seed, Arena arena) {
        Map<String, Tensor> values = new LinkedHashMap<>();
        tensors(prefix).forEach((name, shape) -> {
            Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
            boolean matrix = shape.rank() == 2;
            boolean outputBias = name.endsWith(".fc.bias") || name.endsWith(".fc2.bias") || depth == 0;
            if (matrix) {
                CounterRng random = CounterRng.of(seed, name, 0);
                for (long i = 0; i < tensor.elementCount(); i++) {
                    tensor.setFloat(i, INIT_STD * normal(random, i));
                }
            } else {
                for (long i = 0; i < tensor.elementCount(); i++) {
                    tensor.setFloat(i, outputBias ? initLambda : 0f);
                }
            }
            values.put(name, tensor);
        });
        return values;
    }

    /** A standard normal sample (Box–Muller on uniforms 2i and 2i + 1 of the stream). */
    private static float normal(CounterRng random, long index) {
        double u1 = 1.0 - random.uniform(2 * index); // in (0, 1]
        double u2 = random.uniform(2 * index + 1);
        return (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }
}
