package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** How many objects there are: one to eight small non-overlapping blobs of random colour and size. */
public final class CountingTask implements SyntheticTask {
    private static final List<String> CLASSES = List.of("one", "two", "three", "four", "five", "six", "seven", "eight");

    @Override
    public String name() {
        return "counting";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public RgbImage render(int label, SplittableRandom random) {
        Canvas canvas = Canvas.noisyBackground(IMAGE_SIZE, random);
        List<double[]> placed = new ArrayList<>();
        int objects = label + 1;
        while (placed.size() < objects) {
            double r = 1.8 + random.nextDouble() * 1.2;
            double cx = r + random.nextDouble() * (IMAGE_SIZE - 2 * r);
            double cy = r + random.nextDouble() * (IMAGE_SIZE - 2 * r);
            boolean free = placed.stream().allMatch(p -> Math.hypot(p[0] - cx, p[1] - cy) > p[2] + r + 1.5);
            if (free) {
                placed.add(new double[] {cx, cy, r});
                int[] color = Canvas.contrastingColor(random, canvas);
                canvas.fill((x, y) -> Math.hypot(x - cx, y - cy) <= r, color);
            }
        }
        return canvas.toImage();
    }
}
