package amalgam.bench;

import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Deterministic synthetic checkpoints for benchmarks: a base model of weights in [-0.5, 0.5) and fine-tuned models
 * that add small model-specific deltas, the shape of real task vectors (about 1% of the weight scale).
 */
final class SyntheticCheckpoints {
    private SyntheticCheckpoints() {
    }

    /** Writes one model of {@code tensors} equal 2-D tensors totalling about {@code bytes}; model 0 is the base. */
    static Path write(Path file, int model, long bytes, int tensors, DType dtype) {
        long elementsPerTensor = bytes / dtype.byteSize() / tensors;
        long columns = 1024;
        long rows = Math.max(1, elementsPerTensor / columns);
        List<TensorEntry> entries = new ArrayList<>();
        for (int t = 0; t < tensors; t++) {
            entries.add(new TensorEntry(String.format("layers.%02d.weight", t), dtype, Shape.of(rows, columns)));
        }
        try (Arena arena = Arena.ofConfined(); SafetensorsWriter writer = SafetensorsWriter.create(file, entries, SafetensorsWriter.NO_METADATA)) {
            MemorySegment f32 = arena.allocate(rows * columns * Float.BYTES, 64);
            Tensor stored = dtype == DType.F32 ? Tensor.of(DType.F32, Shape.of(rows, columns), f32)
                    : Tensor.allocate(arena, dtype, Shape.of(rows, columns));
            for (int t = 0; t < tensors; t++) {
                fill(f32, rows * columns, t, model);
                if (dtype != DType.F32) {
                    Convert.fromF32(f32, stored);
                }
                writer.write(entries.get(t).name(), stored);
            }
            writer.commit();
        }
        return file;
    }

    private static void fill(MemorySegment f32, long count, int tensor, int model) {
        for (long i = 0; i < count; i++) {
            float base = hash(i, tensor, 0) - 0.5f;
            float delta = model == 0 ? 0 : (hash(i, tensor, model) - 0.5f) * 0.01f;
            f32.setAtIndex(ValueLayout.JAVA_FLOAT, i, base + delta);
        }
    }

    /** A cheap integer hash to [0, 1). */
    private static float hash(long index, int tensor, int model) {
        long z = index * 0x9E3779B97F4A7C15L + tensor * 0xBF58476D1CE4E5B9L + model * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return ((z >>> 40) & 0xFFFFFF) / (float) (1 << 24);
    }
}
