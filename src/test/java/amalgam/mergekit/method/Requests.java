package amalgam.mergekit.method;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds merge requests for tiny tensors, with the method's declared defaults filled in like the planner does. */
final class Requests {
    private final MergeMethod method;
    private final List<TensorInput> inputs = new ArrayList<>();
    private final Map<String, Double> globals = new HashMap<>();
    private int baseIndex = -1;
    private Precision precision = Precision.F32;
    private String tensorName = "model.layers.0.mlp.up_proj.weight";
    private boolean isEmbed;

    private Requests(MergeMethod method) {
        this.method = method;
        for (MergekitParameter spec : method.globalParameters()) {
            globals.put(spec.name(), spec.defaultValue());
        }
    }

    static Requests of(String method) {
        return new Requests(MergekitMethods.get(method));
    }

    Requests base(float... values) {
        baseIndex = inputs.size();
        return model(Shape.of(values.length), values);
    }

    Requests model(float[] values, Object... parameters) {
        return model(Shape.of(values.length), values, parameters);
    }

    Requests model(Shape shape, float[] values, Object... parameters) {
        Map<String, Double> map = new HashMap<>();
        for (MergekitParameter spec : method.tensorParameters()) {
            map.put(spec.name(), spec.defaultValue());
        }
        for (int i = 0; i < parameters.length; i += 2) {
            map.put((String) parameters[i], ((Number) parameters[i + 1]).doubleValue());
        }
        inputs.add(new TensorInput(inputs.size(), "model" + inputs.size(), shape, values, map));
        return this;
    }

    Requests baseShaped(Shape shape, float... values) {
        baseIndex = inputs.size();
        return model(shape, values);
    }

    Requests set(String name, double value) {
        globals.put(name, value);
        return this;
    }

    Requests precision(DType dtype) {
        precision = new Precision(dtype);
        return this;
    }

    Requests embed(String name) {
        tensorName = name;
        isEmbed = true;
        return this;
    }

    MergeRequest request(long seed) {
        ShapeRule.Aligned aligned = method.shapeRule().align(tensorName, isEmbed, inputs, baseIndex);
        return new MergeRequest(tensorName, isEmbed, aligned.inputs(), aligned.baseIndex(), globals, precision, seed);
    }

    MergedTensor merge() {
        return method.merge(request(42));
    }

    float[] values() {
        return merge().values();
    }

    static float[] f(double... values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
