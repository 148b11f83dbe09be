package amalgam.nn;

import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Parameters over plain tensors (zero-copy: each value wraps the given tensor). Names accepted by the {@code trainable}
 * predicate become leaves with gradients, allocated in an arena this object owns; the rest are constants. The tensors
 * must be F32; trainable ones must be writable (an optimizer updates them in place).
 */
public final class TensorParameters implements Parameters, AutoCloseable {
    private final Map<String, Var> values = new LinkedHashMap<>();
    private final List<Var> trainable = new ArrayList<>();
    private final Arena gradients = Arena.ofShared();

    public TensorParameters(Map<String, Tensor> tensors, Predicate<String> isTrainable) {
        tensors.forEach((name, tensor) -> {
            Var value = isTrainable.test(name) ? Var.parameter(tensor, gradients) : Var.constant(tensor);
            values.put(name, value);
            if (value.requiresGrad()) {
                trainable.add(value);
            }
        });
    }

    /** Frozen parameters (inference, or the frozen part of a model). */
    public static TensorParameters frozen(Map<String, Tensor> tensors) {
        return new TensorParameters(tensors, name -> false);
    }

    @Override
    public Var get(Graph graph, String name) {
        Var value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return value;
    }

    @Override
    public List<String> names() {
        return List.copyOf(values.keySet());
    }

    @Override
    public List<Var> trainable() {
        return List.copyOf(trainable);
    }

    @Override
    public void close() {
        gradients.close();
    }
}
