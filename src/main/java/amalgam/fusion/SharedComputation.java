package amalgam.fusion;

import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Function;

/**
 * One computation whose result several tensor jobs read (the SVDs of one linear give its gate and all its experts'
 * factors): the first job to need it computes it, the others wait for it, and once the last of its {@code readers}
 * jobs has read it the result is let go. It lives in an automatic arena, so a plan abandoned half way (a failed or
 * resumed merge) frees it with the plan. The result must be a pure function of the inputs, so which job computes it
 * does not matter.
 */
public final class SharedComputation<T> {
    private final Function<Arena, T> computation;
    private int readers;
    private T value;

    /** A computation that {@code readers} jobs will read, each once. */
    public SharedComputation(int readers, Function<Arena, T> computation) {
        if (readers < 1) {
            throw new IllegalArgumentException("readers must be >= 1, got " + readers);
        }
        this.readers = readers;
        this.computation = computation;
    }

    /** Applies {@code reader} to the result (computing it first if no job has yet); one call per reader job. */
    public synchronized <R> R read(Function<T, R> reader) {
        if (readers == 0) {
            throw new IllegalStateException("every reader has already read this computation");
        }
        if (value == null) {
            value = computation.apply(Arena.ofAuto());
        }
        try {
            return reader.apply(value);
        } finally {
            if (--readers == 0) {
                value = null; // the last reader is done: the arena goes with it
            }
        }
    }

    /**
     * One job per tensor of {@code tensors} (name → shape), each copying its tensor out of one shared computation of
     * all of them (name → F32 tensor), written as {@code dtype}. The first job is charged {@code sharedBytes} for the
     * computation's working memory: jobs are admitted in plan order, so it is the one that computes.
     */
    public static List<amalgam.merge.TensorJob> jobsReading(SequencedMap<String, amalgam.tensor.Shape> tensors,
                                                                     DType dtype, long sharedBytes,
                                                                     Function<Arena, Map<String, amalgam.tensor.Tensor>> compute) {
        SharedComputation<Map<String, amalgam.tensor.Tensor>> computed = new SharedComputation<>(tensors.size(), compute);
        List<amalgam.merge.TensorJob> jobs = new ArrayList<>();
        boolean first = true;
        for (Map.Entry<String, amalgam.tensor.Shape> tensor : tensors.entrySet()) {
            String name = tensor.getKey();
            Shape shape = tensor.getValue();
            long working = shape.elementCount() * Float.BYTES + (first ? sharedBytes : 0);
            jobs.add(new FusionJob(name, dtype, shape, working, arena -> computed.read(values -> {
                Tensor copy = Tensor.allocate(arena, DType.F32, shape);
                copy.data().copyFrom(values.get(name).data());
                return copy;
            })));
            first = false;
        }
        return jobs;
    }
}
