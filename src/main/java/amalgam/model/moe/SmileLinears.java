package amalgam.model.moe;

import amalgam.UserInputException;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipKeys;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The MoE linears of a saved SMILE mixture, computing as FusionBench's {@code SmileMoELinear} does (inference only):
 * y = (W0 x + b0) + Σ_{e in expert order} wₑ·Eₑ(x) over the experts each token is routed to, where a low-rank expert
 * is Eₑ(x) = uₑ (svhₑ x) + Δbₑ and a dense one ΔWₑ x + Δbₑ. Each expert runs on the rows routed to it only (gathered
 * in token order), so a token costs the shared product, the gate and its top_k experts. Other linears compute plainly.
 */
public final class SmileLinears implements ClipModel.Linears {
    /** One MoE linear's tensors. */
    private record Layer(SmileMixture.Linear linear, int topK, Var gate, List<Expert> experts) {
    }

    /** An expert: u [out, k] and svh [k, in], or the dense weight [out, in]; the bias delta [out] or null. */
    private record Expert(Var u, Var svh, Var weight, Var bias) {
    }

    private final Map<String, Layer> layers;

    private SmileLinears(Map<String, Layer> layers) {
        this.layers = layers;
    }

    /**
     * The mixture's expert tensors from {@code source}, checked against the description and the config (every listed
     * linear is one of the tower's encoder linears with the listed shape), as float32 copies in {@code arena}.
     */
    public static SmileLinears load(ClipWeights.Source source, SmileMixture mixture, ClipConfig config, Arena arena) {
        Map<String, Shape> towerLinears = encoderLinears(config);
        int experts = mixture.experts().size();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (SmileMixture.Linear linear : mixture.linears()) {
            Shape expected = towerLinears.get(linear.name());
            if (expected == null) {
                throw new UserInputException("mixture in '" + source.displayName() + "' lists linear '" + linear.name()
                        + "', which is not an encoder linear of the model's config (e.g. "
                        + towerLinears.keySet().stream().findFirst().orElse("none") + ")");
            }
            if (!expected.equals(Shape.of(linear.outFeatures(), linear.inFeatures()))) {
                throw new UserInputException("mixture in '" + source.displayName() + "': linear '" + linear.name() + "' is listed as "
                        + linear.outFeatures() + "x" + linear.inFeatures() + " (out x in) but the config makes it " + expected);
            }
            linear.expertTensors(experts).forEach((name, shape) -> tensors.put(name, read(source, name, shape, arena)));
        }
        return of(mixture, tensors);
    }

    /**
     * The MoE linears over float32 expert tensors already checked against the description (by name, see
     * {@link SmileTensorNames}); the shared W0 and b0 come from the forward's parameters.
     */
    public static SmileLinears of(SmileMixture mixture, Map<String, Tensor> tensors) {
        int experts = mixture.experts().size();
        Map<String, Layer> layers = new LinkedHashMap<>();
        for (SmileMixture.Linear linear : mixture.linears()) {
            List<Expert> list = new ArrayList<>();
            for (int i = 0; i < experts; i++) {
                list.add(new Expert(constant(tensors.get(SmileTensorNames.expertU(linear.name(), i))),
                        constant(tensors.get(SmileTensorNames.expertSvh(linear.name(), i))),
                        constant(tensors.get(SmileTensorNames.expertWeight(linear.name(), i))),
                        constant(tensors.get(SmileTensorNames.expertBias(linear.name(), i)))));
            }
            Var gate = Var.constant(tensors.get(SmileTensorNames.gate(linear.name())));
            layers.put(linear.name(), new Layer(linear, mixture.settings().topK(), gate, list));
        }
        return new SmileLinears(layers);
    }

    /** The tower's encoder linears (name without {@code .weight}) with their weight shapes [out, in]. */
    static Map<String, Shape> encoderLinears(ClipConfig config) {
        Map<String, Shape> linears = new LinkedHashMap<>();
        ClipKeys.expected(new ClipConfig(config.vision(), null, config.projectionDim()), false).forEach((key, shape) -> {
            if (key.contains(".encoder.layers.") && key.endsWith(".weight") && shape.rank() == 2) {
                linears.put(key.substring(0, key.length() - ".weight".length()), shape);
            }
        });
        return linears;
    }

    /** The linears that route, by name. */
    public Set<String> names() {
        return layers.keySet().stream().collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public Var apply(Graph graph, Parameters params, String name, Var x) {
        Var shared = PLAIN.apply(graph, params, name, x);
        Layer layer = layers.get(name);
        return layer == null ? shared : graph.add(shared, experts(graph, layer, x, shared.shape()));
    }

    /** Σ wₑ·Eₑ(x) per token, as a constant of {@code shape} [..., out]. */
    private static Var experts(Graph graph, Layer layer, Var x, Shape shape) {
        SmileMixture.Linear linear = layer.linear();
        int in = linear.inFeatures();
        int out = linear.outFeatures();
        int tokens = Math.toIntExact(x.shape().elementCount() / in);
        int count = layer.experts().size();
        SmileRouting.Routes routes = count == 1 ? SmileRouting.single(tokens)
                : SmileRouting.route(floats(graph.linear(x, layer.gate(), null).value()), tokens, count, linear.gateK(), layer.topK());
        float[] inputs = floats(x.value());
        float[] sum = new float[tokens * out];
        for (int e = 0; e < count; e++) {
            int[] rows = routes.tokensOf(e);
            if (rows.length == 0) {
                continue;
            }
            float[] gathered = new float[rows.length * in];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(inputs, rows[r] * in, gathered, r * in, in);
            }
            Expert expert = layer.experts().get(e);
            Var xe = graph.constant(gathered, rows.length, in);
            Var ye = linear.dense() ? graph.linear(xe, expert.weight(), expert.bias())
                    : graph.linear(graph.linear(xe, expert.svh(), null), expert.u(), expert.bias());
            float[] values = floats(ye.value());
            for (int r = 0; r < rows.length; r++) {
                float weight = routes.weightOf(rows[r], e);
                int target = rows[r] * out;
                for (int c = 0; c < out; c++) {
                    sum[target + c] += values[r * out + c] * weight;
                }
            }
        }
        return graph.constant(sum, shape.toArray());
    }

    private static Var constant(Tensor tensor) {
        return tensor == null ? null : Var.constant(tensor);
    }

    private static float[] floats(Tensor tensor) {
        float[] values = new float[Math.toIntExact(tensor.elementCount())];
        MemorySegment.copy(tensor.data(), Layouts.F32, 0, values, 0, values.length);
        return values;
    }

    private static Tensor read(ClipWeights.Source source, String name, Shape shape, Arena arena) {
        if (!source.contains(name)) {
            throw new UserInputException("mixture '" + source.displayName() + "' is missing tensor '" + name + "' (see moe.json)");
        }
        Tensor stored = source.tensor(name);
        if (!stored.shape().equals(shape) || !stored.dtype().isFloatingPoint()) {
            throw new UserInputException("mixture '" + source.displayName() + "': tensor '" + name + "' is " + stored.dtype() + " "
                    + stored.shape() + ", moe.json needs a float tensor of shape " + shape);
        }
        Tensor copy = Convert.toF32(stored, arena);
        source.release(name);
        return copy;
    }
}
