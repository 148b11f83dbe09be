package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.SplittableRandom;

/** Which shape is drawn: eight outlines and solids at a random position, size and colour on a noisy background. */
public final class ShapesTask implements SyntheticTask {
    private static final List<String> CLASSES = List.of("circle", "square", "triangle", "cross", "ring", "diamond", "bar", "half disc");

    @Override
    public String name() {
        return "shapes";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public RgbImage render(int label, SplittableRandom random) {
        Canvas canvas = Canvas.noisyBackground(IMAGE_SIZE, random);
        int[] color = Canvas.contrastingColor(random, canvas);
        double r = 6 + random.nextDouble() * 5;
        double cx = r + 1 + random.nextDouble() * (IMAGE_SIZE - 2 * r - 2);
        double cy = r + 1 + random.nextDouble() * (IMAGE_SIZE - 2 * r - 2);
        canvas.fill(switch (label) {
            case 0 -> (x, y) -> Math.hypot(x - cx, y - cy) <= r;
            case 1 -> (x, y) -> Math.abs(x - cx) <= r * 0.85 && Math.abs(y - cy) <= r * 0.85;
            case 2 -> (x, y) -> y <= cy + r * 0.8 && y >= cy - r && Math.abs(x - cx) <= (y - (cy - r)) * 0.6;
            case 3 -> (x, y) -> (Math.abs(x - cx) <= r * 0.3 && Math.abs(y - cy) <= r) || (Math.abs(y - cy) <= r * 0.3 && Math.abs(x - cx) <= r);
            case 4 -> (x, y) -> Math.abs(Math.hypot(x - cx, y - cy) - r * 0.75) <= r * 0.25;
            case 5 -> (x, y) -> Math.abs(x - cx) + Math.abs(y - cy) <= r;
            case 6 -> (x, y) -> Math.abs(x - cx) <= r && Math.abs(y - cy) <= r * 0.3;
            default -> (x, y) -> Math.hypot(x - cx, y - cy) <= r && y >= cy;
        }, color);
        return canvas.toImage();
    }
}
