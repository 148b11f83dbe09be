package amalgam.safety;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.cli.Main;
import amalgam.io.OutputFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single-file outputs replace only a file amalgam wrote: the preview PNG and the debug tensors are marked. */
class SingleFileOutputsTest {
    @TempDir
    Path temp;

    @Test
    void aPreviewOverwritesItsOwnPngButNotTheUsers() throws Exception {
        Path png = temp.resolve("grid.png");
        assertEquals(0, run("data", "preview", "orientation", "--out", png.toString(), "--per-class", "2"));
        assertTrue(OutputFile.isAmalgamPng(png));
        assertTrue(ImageIO.read(png.toFile()).getWidth() > 0, "the marked PNG still decodes");
        assertEquals(0, run("data", "preview", "orientation", "--out", png.toString(), "--per-class", "2"), "its own file");
        Path mine = Files.write(temp.resolve("mine.png"), new byte[] {1, 2, 3});
        assertEquals(2, run("data", "preview", "orientation", "--out", mine.toString()));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(mine));
    }

    @Test
    void debugOutputsRefuseAForeignFile() throws Exception {
        Path mine = Files.writeString(temp.resolve("out.safetensors"), "not amalgam's");
        assertEquals(2, run("debug", "clip-preprocess", temp.resolve("missing.json").toString(), mine.toString(), mine.toString()));
        assertEquals("not amalgam's", Files.readString(mine));
        Path models = TinyModels.create(temp.resolve("models"), 8);
        Path base = models.resolve("base/model.safetensors");
        byte[] before = Files.readAllBytes(base);
        assertEquals(2, run("debug", "clip-forward", models.resolve("base").toString(), base.toString(), base.toString()),
                "a model file amalgam did not write as an output");
        assertArrayEquals(before, Files.readAllBytes(base));
    }

    private static int run(String... args) {
        return Main.execute(args, new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true));
    }
}
