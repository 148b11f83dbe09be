package amalgam.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PyTorch {@code .bin} checkpoints written by torch 1.13's {@code torch.save} (src/test/resources/torch, made
 * with the script in that folder's README): every dtype and view kind a state dict holds, read exactly; and
 * files that must be refused.
 */
class TorchFileTest {
    private static final Path TORCH = Path.of("src/test/resources/torch");

    @TempDir
    Path temp;

    @Test
    void readsEveryTensorOfAStateDictExactly() {
        try (TorchFile file = TorchFile.open(TORCH.resolve("mixed.bin"))) {
            assertEquals(List.of("a.weight", "b.bias", "flags", "param", "scalar", "slice", "tied1", "tied2"),
                    file.tensors().stream().map(TensorInfo::name).toList());
            assertTensor(file.tensor("a.weight"), DType.F32, Shape.of(2, 3), 0, 1, 2, 3, 4, 5);
            assertTensor(file.tensor("b.bias"), DType.BF16, Shape.of(2), 1.5, -2.0);
            assertTensor(file.tensor("tied1"), DType.F16, Shape.of(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
            // tied2 = tied1.t(): the same storage seen with strides (1, 4), copied out in row-major order
            assertTensor(file.tensor("tied2"), DType.F16, Shape.of(4, 3), 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
            assertTensor(file.tensor("scalar"), DType.F32, Shape.of(), 3.0);
            assertTensor(file.tensor("param"), DType.F64, Shape.of(1, 2), 0.25, -0.5);
            Tensor slice = file.tensor("slice");
            assertEquals(DType.I64, slice.dtype());
            assertArrayEquals(new long[] {2, 3, 4, 5, 6}, slice.data().toArray(ValueLayout.JAVA_LONG));
            assertArrayEquals(new byte[] {1, 0, 1}, file.tensor("flags").data().toArray(ValueLayout.JAVA_BYTE));
            file.release("tied2");
            assertTensor(file.tensor("tied2"), DType.F16, Shape.of(4, 3), 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        }
    }

    @Test
    void aStateDictUnderAStateDictKeyIsUnwrapped() {
        try (TorchFile file = TorchFile.open(TORCH.resolve("wrapped.bin"))) {
            assertTensor(file.tensor("x"), DType.F32, Shape.of(2, 2), 1, 1, 1, 1);
        }
    }

    @Test
    void aShardedBinCheckpointReadsAsTheSafetensorsModelItWasMadeFrom() {
        Path safetensors = Fixtures.path("merge-tiny/llama/base");
        try (Checkpoint bin = Checkpoint.open(TORCH.resolve("llama-bin")); Checkpoint reference = Checkpoint.open(safetensors)) {
            assertEquals(2, bin.files().size());
            assertEquals(reference.tensors().stream().map(TensorInfo::name).toList(), bin.tensors().stream().map(TensorInfo::name).toList());
            for (TensorInfo info : reference.tensors()) {
                Tensor expected = reference.tensor(info.name());
                Tensor actual = bin.tensor(info.name());
                assertEquals(expected.dtype(), actual.dtype(), info.name());
                assertEquals(expected.shape(), actual.shape(), info.name());
                assertArrayEquals(expected.data().toArray(ValueLayout.JAVA_BYTE), actual.data().toArray(ValueLayout.JAVA_BYTE), info.name());
            }
        }
    }

    @Test
    void filesThatAreNotPlainStateDictsAreRefused() {
        assertRefused("evil.bin", "posix.system");
        assertRefused("deflated.bin", "compressed");
        assertRefused("truncated.bin", "end-of-directory");
        UserInputException legacy = assertThrows(UserInputException.class, () -> TensorFile.open(TORCH.resolve("legacy.bin")));
        assertTrue(legacy.getMessage().contains("legacy format"), legacy.getMessage());
    }

    @Test
    void damagedArchivesFailAsBadInputOnly() throws IOException {
        byte[] original = Files.readAllBytes(TORCH.resolve("mixed.bin"));
        SplittableRandom random = new SplittableRandom(3);
        Path damaged = temp.resolve("damaged.bin");
        int refused = 0;
        for (int round = 0; round < 400; round++) {
            byte[] bytes = original.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            Files.write(damaged, bytes);
            try (TorchFile file = TorchFile.open(damaged)) {
                for (TensorInfo info : file.tensors()) {
                    file.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE);
                }
            } catch (UserInputException expected) {
                refused++;
            }
        }
        assertTrue(refused > 0, "some damage is detected");
    }

    private static void assertRefused(String name, String mention) {
        UserInputException refused = assertThrows(UserInputException.class, () -> TorchFile.open(TORCH.resolve(name)));
        assertTrue(refused.getMessage().contains(mention), refused.getMessage());
        assertTrue(refused.getMessage().contains(name), "the message names the file: " + refused.getMessage());
    }

    private static void assertTensor(Tensor tensor, DType dtype, Shape shape, double... values) {
        assertEquals(dtype, tensor.dtype());
        assertEquals(shape, tensor.shape());
        assertEquals(values.length, tensor.elementCount());
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], tensor.getFloat(i), 0.0, "element " + i);
        }
    }
}
