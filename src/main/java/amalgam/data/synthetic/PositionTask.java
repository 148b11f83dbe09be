package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.List;
import java.util.SplittableRandom;

/** Which cell of a 3x3 grid holds the object (its centre), with random shape size, colour and a dim distractor. */
public final class PositionTask implements SyntheticTask {
    private static final List<String> CLASSES = List.of("top left", "top", "top right", "left", "centre", "right",
            "bottom left", "bottom", "bottom right");

    @Override
    public String name() {
        return "position";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    /** Centre of the drawn object for a label and the cell offsets; exposed so tests can check the rule. */
    static double[] centre(int label, double offsetX, double offsetY) {
        double cell = IMAGE_SIZE / 3.0;
        return new double[] {(label % 3) * cell + cell / 2 + offsetX, (label / 3) * cell + cell / 2 + offsetY};
    }

    @Override
    public RgbImage render(int label, SplittableRandom random) {
        Canvas canvas = Canvas.noisyBackground(IMAGE_SIZE, random);
        double[] c = centre(label, random.nextDouble() * 4 - 2, random.nextDouble() * 4 - 2);
        double r = 2.5 + random.nextDouble() * 1.5;
        canvas.fill((x, y) -> Math.abs(x - c[0]) <= r && Math.abs(y - c[1]) <= r, Canvas.contrastingColor(random, canvas));
        return canvas.toImage();
    }
}
