package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {
    @TempDir
    Path temp;

    @Test
    void previewDrawsOneRowPerClass() throws Exception {
        Path png = temp.resolve("grid.png");
        CliRunner result = CliRunner.run("data", "preview", "orientation", "--out", png.toString(), "--per-class", "3");
        assertEquals(0, result.exitCode(), result.err());
        BufferedImage image = ImageIO.read(png.toFile());
        // 8 classes x (96 px + 4 gap) + 24 title + 4; 130 label + 3 x (96 + 4) + 4
        assertEquals(24 + 8 * 100 + 4, image.getHeight());
        assertEquals(130 + 3 * 100 + 4, image.getWidth());
    }

    @Test
    void anUnknownDatasetIsExitTwo() {
        Path png = temp.resolve("never.png");
        CliRunner result = CliRunner.run("data", "preview", "imagenet", "--out", png.toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("imagenet"), result.err());
        assertFalse(Files.exists(png));
    }
}
