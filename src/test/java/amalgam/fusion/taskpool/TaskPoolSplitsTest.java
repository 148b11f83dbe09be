package amalgam.fusion.taskpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.data.ImageFolderDataset;
import amalgam.io.YamlDocuments;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task pool splits: train / val / test (data = test), each in torchvision ImageFolder order. */
class TaskPoolSplitsTest {
    @TempDir
    Path temp;

    @Test
    void splitsFollowImageFolderOrder() throws Exception {
        // classes by sorted folder name (code points: 'B' < 'a' < 'b'), files by sorted name ("1" < "10" < "2")
        image("train/b_cls/2.png");
        image("train/a_cls/10.png");
        image("train/B/z.png");
        image("train/a_cls/1.png");
        image("train/a_cls/2.jpg");
        image("test/x/only.png");
        image("test/y/only.png");
        Files.createDirectories(temp.resolve("train/a_cls/notes"));
        Files.writeString(temp.resolve("train/a_cls/readme.txt"), "not an image");
        Path file = pool("tasks:\n  t:\n    train: train\n    test: test\n    head: head.safetensors\n");
        ImageTaskPool.Task task = taskOf(file);
        ImageFolderDataset train = (ImageFolderDataset) task.split(ImageTaskPool.Split.TRAIN);
        assertEquals(List.of("B", "a_cls", "b_cls"), train.classNames());
        List<String> order = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            order.add(train.label(i) + ":" + temp.resolve("train").relativize(train.file(i)));
        }
        assertEquals(List.of("0:B/z.png", "1:a_cls/1.png", "1:a_cls/10.png", "1:a_cls/2.jpg", "2:b_cls/2.png"), order);
        assertEquals(2, task.split(ImageTaskPool.Split.TEST).size());
        assertNull(task.val());
        UserInputException missing = assertThrows(UserInputException.class, () -> task.split(ImageTaskPool.Split.VAL));
        assertTrue(missing.getMessage().contains("'val'"), missing.getMessage());
    }

    @Test
    void dataIsTheTestSplitAndBadEntriesAreRefused() throws Exception {
        image("test/x/a.png");
        ImageTaskPool.Task task = taskOf(pool("tasks:\n  t: {data: test, head: h.safetensors}\n"));
        assertEquals(1, task.split(ImageTaskPool.Split.TEST).size());
        assertNull(task.train());
        for (String entry : List.of("{data: test, test: test, head: h}", "{test: test}", "{test: test, head: h, tain: test}",
                "{test: test, head: h, train: [test]}")) {
            Path file = pool("tasks:\n  t: " + entry + "\n");
            assertThrows(UserInputException.class, () -> taskOf(file), entry);
        }
    }

    private ImageTaskPool.Task taskOf(Path file) {
        ImageTaskPool pool = ImageTaskPool.fromDocument(YamlDocuments.read(file, "task pool"), file);
        return pool.task("t");
    }

    private Path pool(String text) throws Exception {
        return Files.writeString(temp.resolve("taskpool.yaml"), text);
    }

    private void image(String relative) throws Exception {
        Path file = temp.resolve(relative);
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), relative.endsWith(".jpg") ? "jpg" : "png", file.toFile());
    }
}
