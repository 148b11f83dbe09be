package amalgam.mergekit.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import amalgam.merge.InMemoryModelSource;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapted tensors are computed only when read, shared by concurrent readers, and freed by the last release. */
class LoraModelSourceTest {
    @TempDir
    Path temp;

    private LoraModelSource adapted(DType storedAs) throws IOException {
        InMemoryModelSource base = new InMemoryModelSource("base", Map.of(
                "q.weight", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2), "norm.weight", Tensor.ofFloats(new float[] {1, 1}, 2)));
        InMemoryModelSource weights = new InMemoryModelSource("adapter", Map.of(
                "base_model.model.q.lora_A.weight", Tensor.ofFloats(new float[] {1, 0}, 1, 2),
                "base_model.model.q.lora_B.weight", Tensor.ofFloats(new float[] {0.5f, 0.25f}, 2, 1)));
        Files.writeString(temp.resolve("adapter_config.json"), "{\"r\": 1, \"lora_alpha\": 2}");
        Files.writeString(temp.resolve(LoraAdapter.WEIGHTS_FILE), "");
        return new LoraModelSource("base+adapter", base, LoraAdapter.read(temp, weights, base), storedAs);
    }

    @Test
    void shapesAndDtypesAreKnownWithoutComputing() throws IOException {
        LoraModelSource source = adapted(null);
        assertEquals(Shape.of(2, 2), source.shapeOf("q.weight"));
        assertEquals(DType.F32, source.dtypeOf("q.weight"));
        assertEquals(0, source.held());
        assertEquals(DType.BF16, adapted(DType.BF16).dtypeOf("norm.weight"));
    }

    @Test
    void readersShareOneComputedTensorAndTheLastReleaseFreesIt() throws IOException {
        LoraModelSource source = adapted(null);
        Tensor first = source.tensor("q.weight");
        Tensor second = source.tensor("q.weight");
        assertSame(first, second);
        // W + (alpha / r) · B·A = [[1, 2], [3, 4]] + 2 · [[0.5, 0], [0.25, 0]]
        assertEquals(2.0f, first.getFloat(0));
        assertEquals(2.0f, first.getFloat(1));
        assertEquals(3.5f, first.getFloat(2));
        assertEquals(4.0f, first.getFloat(3));
        assertEquals(1, source.held());
        source.release("q.weight");
        assertEquals(1, source.held());
        source.release("q.weight");
        assertEquals(0, source.held());
        source.tensor("norm.weight");
        assertEquals(0, source.held(), "unchanged tensors are the base's own");
    }
}
