package amalgam.nn;

import amalgam.parallel.Parallel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Finite-difference gradient checks. The op runs forward and backward in float32; the expected gradient is the
 * central difference of a double-precision reference of the same op. The scalar checked is L = sum(R * op(inputs))
 * with a fixed random R, so every output element's gradient path is exercised with a distinct weight.
 *
 * <p>Tolerances: with the reference in double and step h = 1e-5, the central difference errs by about
 * h^2 |f'''| + 1e-16 |f| / h ~ 1e-10, negligible. The analytic float32 gradient carries round-off of a few float32 ulps
 * per accumulation (u = 6e-8, sums of up to ~100 terms): ~1e-5 relative. {@link #TOLERANCE} = 2e-4 relative to the
 * largest gradient component of the input (at least 1) leaves margin; an indexing or formula error gives O(1).
 * The forward is compared with the reference to {@link #FORWARD_TOLERANCE} for the same reason.
 */
final class GradientCheck {
    static final double TOLERANCE = 2e-4;
    static final double FORWARD_TOLERANCE = 2e-5;
    static final Parallel PARALLEL = new Parallel(2);
    private static final double STEP = 1e-5;

    /** The op under test on float32 values. */
    interface Op {
        Var apply(Graph graph, List<Var> inputs);
    }

    /** The reference: flat double inputs to a flat double output. */
    interface Reference {
        double[] apply(double[][] inputs);
    }

    private GradientCheck() {
    }

    /** Checks with inputs uniform in [-1, 1]. */
    static void check(String name, Op op, Reference reference, long seed, long[]... shapes) {
        Random random = new Random(seed);
        double[][] inputs = new double[shapes.length][];
        for (int k = 0; k < shapes.length; k++) {
            inputs[k] = new double[Math.toIntExact(Shape.of(shapes[k]).elementCount())];
            for (int i = 0; i < inputs[k].length; i++) {
                inputs[k][i] = (float) (2 * random.nextDouble() - 1);
            }
        }
        check(name, op, reference, seed, inputs, shapes);
    }

    /** Checks with given inputs (each value must be exactly representable in float32). */
    static void check(String name, Op op, Reference reference, long seed, double[][] inputs, long[]... shapes) {
        Random random = new Random(seed ^ 0x5DEECE66DL);
        try (Arena arena = Arena.ofShared(); Graph graph = Graph.training(PARALLEL)) {
            List<Var> leaves = new ArrayList<>();
            for (int k = 0; k < shapes.length; k++) {
                Tensor tensor = Tensor.allocate(arena, DType.F32, Shape.of(shapes[k]));
                for (int i = 0; i < inputs[k].length; i++) {
                    tensor.setFloat(i, (float) inputs[k][i]);
                }
                leaves.add(Var.parameter(tensor, arena));
            }
            Var output = op.apply(graph, leaves);
            double[] expected = reference.apply(inputs);
            assertEquals(expected.length, output.value().elementCount(), name + ": output size");
            float[] weights = new float[expected.length];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) (2 * random.nextDouble() - 1);
                double actual = output.value().getFloat(i);
                assertTrue(Math.abs(actual - expected[i]) <= FORWARD_TOLERANCE * Math.max(1, Math.abs(expected[i])),
                        name + ": forward element " + i + " is " + actual + ", reference " + expected[i]);
            }
            Var loss = graph.sum(graph.multiply(output, graph.constant(weights, output.shape().toArray())));
            graph.backward(loss);
            for (int k = 0; k < shapes.length; k++) {
                double[] numeric = new double[inputs[k].length];
                double largest = 1;
                for (int i = 0; i < numeric.length; i++) {
                    double saved = inputs[k][i];
                    inputs[k][i] = saved + STEP;
                    double plus = weighted(reference.apply(inputs), weights);
                    inputs[k][i] = saved - STEP;
                    double minus = weighted(reference.apply(inputs), weights);
                    inputs[k][i] = saved;
                    numeric[i] = (plus - minus) / (2 * STEP);
                    largest = Math.max(largest, Math.abs(numeric[i]));
                }
                Tensor grad = leaves.get(k).grad();
                for (int i = 0; i < numeric.length; i++) {
                    double analytic = grad == null ? 0 : grad.getFloat(i);
                    assertTrue(Math.abs(analytic - numeric[i]) <= TOLERANCE * largest,
                            name + ": d/d input " + k + "[" + i + "] analytic " + analytic + ", numeric " + numeric[i]);
                }
            }
        }
    }

    private static double weighted(double[] values, float[] weights) {
        double total = 0;
        for (int i = 0; i < values.length; i++) {
            total += weights[i] * values[i];
        }
        return total;
    }
}
