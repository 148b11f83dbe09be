package amalgam.testing;

import amalgam.data.image.RgbImage;
import amalgam.data.synthetic.SyntheticDataset;
import amalgam.model.clip.ZeroShotHead;
import amalgam.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * The tests' one way to make task data for the tiny CLIP fixtures (32x32 images, projection 32): image folders of
 * synthetic images over 4 classes, and random zero-shot heads.
 */
public final class TinyTaskData {
    private TinyTaskData() {
    }

    /**
     * {@code count} images of a synthetic task's split as an image folder: class {@code label % 4} sub-folders, files
     * {@code NNN.png} in sample order.
     */
    public static void writeImages(Path folder, String syntheticTask, SyntheticDataset.Split split, int count) {
        SyntheticDataset data = new SyntheticDataset(SyntheticDataset.task(syntheticTask), split, count, 1);
        try {
            for (int i = 0; i < data.size(); i++) {
                Path classFolder = Files.createDirectories(folder.resolve("class" + data.label(i) % 4));
                RgbImage image = data.image(i);
                BufferedImage png = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < image.height(); y++) {
                    for (int x = 0; x < image.width(); x++) {
                        png.setRGB(x, y, image.sample(y, x, 0) << 16 | image.sample(y, x, 1) << 8 | image.sample(y, x, 2));
                    }
                }
                ImageIO.write(png, "png", classFolder.resolve(String.format("%03d.png", i)).toFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A random head [4, 32] with unit rows and logit scale ln 100, fixed by {@code name}. */
    public static ZeroShotHead randomHead(String name) {
        float[] weights = new float[4 * 32];
        SplittableRandom random = new SplittableRandom(name.hashCode());
        for (int row = 0; row < 4; row++) {
            double norm = 0;
            for (int p = 0; p < 32; p++) {
                weights[row * 32 + p] = (float) random.nextGaussian();
                norm += weights[row * 32 + p] * weights[row * 32 + p];
            }
            for (int p = 0; p < 32; p++) {
                weights[row * 32 + p] /= (float) Math.sqrt(norm);
            }
        }
        return new ZeroShotHead(Tensor.ofFloats(weights, 4, 32), (float) Math.log(100));
    }
}
