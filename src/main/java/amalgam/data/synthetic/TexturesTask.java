package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.SplittableRandom;

/** Which texture fills the image: eight periodic or random patterns with random period, phase and colours. */
public final class TexturesTask implements SyntheticTask {
    private static final List<String> CLASSES = List.of("horizontal stripes", "vertical stripes", "diagonal stripes",
            "checkerboard", "dots", "noise", "waves", "grid");

    @Override
    public String name() {
        return "textures";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public RgbImage render(int label, SplittableRandom random) {
        Canvas canvas = new Canvas(IMAGE_SIZE);
        int[] a = Canvas.randomColor(random, 0, 120);
        int[] b = Canvas.randomColor(random, 135, 120);
        double period = 4 + random.nextInt(5);
        double phase = random.nextDouble() * period;
        for (int y = 0; y < IMAGE_SIZE; y++) {
            for (int x = 0; x < IMAGE_SIZE; x++) {
                boolean on = switch (label) {
                    case 0 -> ((y + phase) % period) < period / 2;
                    case 1 -> ((x + phase) % period) < period / 2;
                    case 2 -> ((x + y + phase) % period) < period / 2;
                    case 3 -> ((int) ((x + phase) / (period / 2)) + (int) ((y + phase) / (period / 2))) % 2 == 0;
                    case 4 -> Math.hypot((x + phase) % period - period / 2, (y + phase) % period - period / 2) < period / 4;
                    case 5 -> random.nextBoolean();
                    case 6 -> Math.sin((x + phase) * 2 * Math.PI / period) * 3 + (y % period) < period / 2;
                    default -> ((x + phase) % period) < 1.2 || ((y + phase) % period) < 1.2;
                };
                canvas.set(x, y, Canvas.jitter(on ? a : b, 12, random));
            }
        }
        return canvas.toImage();
    }
}
