package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The symmetry of a random blocky pattern: mirrored left-right, mirrored top-bottom, symmetric under a half turn,
 * or none.
 */
public final class SymmetryTask implements SyntheticTask {
    private static final List<String> CLASSES = List.of("left-right", "top-bottom", "half turn", "none");
    private static final int BLOCK = 8; // 4 x 4 cells: learnable by a small ViT from a few thousand steps

    @Override
    public String name() {
        return "symmetry";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public RgbImage render(int label, SplittableRandom random) {
        int cells = IMAGE_SIZE / BLOCK;
        boolean[][] on = new boolean[cells][cells];
        for (int y = 0; y < cells; y++) {
            for (int x = 0; x < cells; x++) {
                on[y][x] = random.nextDouble() < 0.45;
            }
        }
        for (int y = 0; y < cells; y++) {
            for (int x = 0; x < cells; x++) {
                switch (label) {
                    case 0 -> on[y][cells - 1 - x] = on[y][x];
                    case 1 -> on[cells - 1 - y][x] = on[y][x];
                    case 2 -> on[cells - 1 - y][cells - 1 - x] = on[y][x];
                    default -> { }
                }
            }
        }
        Canvas canvas = new Canvas(IMAGE_SIZE);
        int[] a = Canvas.randomColor(random, 0, 110);
        int[] b = Canvas.randomColor(random, 145, 110);
        for (int y = 0; y < IMAGE_SIZE; y++) {
            for (int x = 0; x < IMAGE_SIZE; x++) {
                canvas.set(x, y, Canvas.jitter(on[y / BLOCK][x / BLOCK] ? a : b, 10, random));
            }
        }
        return canvas.toImage();
    }
}
