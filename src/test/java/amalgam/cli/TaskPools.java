package amalgam.cli;

import amalgam.data.ImageFolderDataset;
import amalgam.data.image.PixelNormalization;
import amalgam.data.synthetic.SyntheticDataset;
import amalgam.testing.TinyTaskData;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tiny image task pools for the merge-tiny CLIP fixtures (32x32 images, projection 32): image folders drawn from the
 * synthetic tasks, random unit-row heads, and a {@code tasks.yaml} with train and test splits.
 */
final class TaskPools {
    /** A pixel batch [B, 3, 32, 32] with its labels. */
    record Batch(Tensor pixels, int[] labels) {
    }

    private TaskPools() {
    }

    /**
     * Tasks {@code sun397} (shapes) and {@code eurosat} (orientation), 4 classes each: test folders of 12 images, train
     * folders of 16 (another split of the generator), heads [4, 32]; {@code tasks.yaml} with batch size 5.
     */
    static void writeTwoTasks(Path directory) throws Exception {
        writeTask(directory, "sun397", "shapes");
        writeTask(directory, "eurosat", "orientation");
        Files.writeString(directory.resolve("tasks.yaml"), """
                tasks:
                  sun397: {test: sun397, train: sun397-train, head: sun397.safetensors}
                  eurosat: {test: eurosat, train: eurosat-train, head: eurosat.safetensors}
                batch_size: 5
                """);
    }

    private static void writeTask(Path directory, String name, String synthetic) {
        TinyTaskData.writeImages(directory.resolve(name), synthetic, SyntheticDataset.Split.TEST, 12);
        TinyTaskData.writeImages(directory.resolve(name + "-train"), synthetic, SyntheticDataset.Split.TRAIN, 16);
        TinyTaskData.randomHead(name).save(directory.resolve(name + ".safetensors"));
    }


    /** An image folder in ImageFolder order, CLIP-normalized, in batches of {@code size} (the last may be smaller). */
    static List<Batch> batches(Path folder, int size, Arena arena) {
        ImageFolderDataset data = ImageFolderDataset.open(folder);
        List<Batch> batches = new ArrayList<>();
        for (int start = 0; start < data.size(); start += size) {
            int count = Math.min(size, data.size() - start);
            Tensor pixels = Tensor.allocate(arena, DType.F32, Shape.of(count, 3, 32, 32));
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                float[] chw = PixelNormalization.CLIP.toChw(data.image(start + i));
                MemorySegment.copy(chw, 0, pixels.data(), Layouts.F32, (long) i * chw.length * Float.BYTES, chw.length);
                labels[i] = data.label(start + i);
            }
            batches.add(new Batch(pixels, labels));
        }
        return batches;
    }
}
