package amalgam.fusion.closedform;

import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/** The plain mean (1/T) Σᵢ θᵢ of tensors added one model at a time (RegMean's keys that are not Linear weights). */
final class MeanOfWeights {
    private final Map<String, float[]> sums = new LinkedHashMap<>();
    private final Map<String, amalgam.tensor.Shape> shapes = new LinkedHashMap<>();
    private final Map<String, Integer> counts = new LinkedHashMap<>();

    void add(String name, Tensor value) {
        float[] sum = sums.computeIfAbsent(name, k -> new float[Math.toIntExact(value.elementCount())]);
        shapes.putIfAbsent(name, value.shape());
        if (!shapes.get(name).equals(value.shape())) {
            throw new IllegalArgumentException("'" + name + "' is " + value.shape() + " in one model, " + shapes.get(name) + " in another");
        }
        for (int e = 0; e < sum.length; e++) {
            sum[e] += value.data().getAtIndex(Layouts.F32, e);
        }
        counts.merge(name, 1, Integer::sum);
    }

    /** Every mean, F32 in {@code arena}. */
    Map<String, Tensor> means(Arena arena) {
        Map<String, Tensor> result = new LinkedHashMap<>();
        sums.forEach((name, sum) -> result.put(name, mean(name, arena)));
        return result;
    }

    Tensor mean(String name, Arena arena) {
        float[] sum = sums.get(name);
        Tensor out = Tensor.allocate(arena, DType.F32, shapes.get(name));
        float count = counts.get(name);
        for (int e = 0; e < sum.length; e++) {
            out.data().setAtIndex(Layouts.F32, e, sum[e] / count);
        }
        return out;
    }
}
