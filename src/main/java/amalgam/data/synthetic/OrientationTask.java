package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.SplittableRandom;

/** The angle of a bar: eight orientations 22.5 degrees apart, with random length, width, position and jitter. */
public final class OrientationTask implements SyntheticTask {
    private static final List<String> CLASSES = List.of("0 degrees", "22.5 degrees", "45 degrees", "67.5 degrees",
            "90 degrees", "112.5 degrees", "135 degrees", "157.5 degrees");

    @Override
    public String name() {
        return "orientation";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public RgbImage render(int label, SplittableRandom random) {
        Canvas canvas = Canvas.noisyBackground(IMAGE_SIZE, random);
        double angle = Math.toRadians(label * 22.5 + random.nextDouble() * 6 - 3);
        double length = 9 + random.nextDouble() * 5;
        double width = 1.2 + random.nextDouble();
        double cx = 12 + random.nextDouble() * 8;
        double cy = 12 + random.nextDouble() * 8;
        double dx = Math.cos(angle);
        double dy = -Math.sin(angle);
        canvas.fill((x, y) -> {
            double along = (x - cx) * dx + (y - cy) * dy;
            double across = -(x - cx) * dy + (y - cy) * dx;
            return Math.abs(along) <= length && Math.abs(across) <= width;
        }, Canvas.contrastingColor(random, canvas));
        return canvas.toImage();
    }
}
