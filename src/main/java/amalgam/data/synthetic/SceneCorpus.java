package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The model zoo's broad pre-training data, deliberately none of the eight downstream tasks: {@code classes} scene
 * families, each a recipe drawn once from (seed, family) — a background style (flat, gradient, stripes of some
 * frequency and angle, checkerboard or speckle) in a palette, and either one glyph (a stroke through a few random
 * points, drawn large, as in a handwritten alphabet, in colours drawn anew for every sample so that only the stroke
 * identifies the family) or one or two kinds of element (discs, boxes, line strokes,
 * rings, speckle clusters) with their colours, sizes, counts and a preferred region. A sample re-draws every
 * position, size and colour around the recipe, so telling families apart needs colour, frequency, orientation,
 * stroke, shape and layout features without ever seeing a downstream label.
 */
public final class SceneCorpus implements SyntheticTask {
    private final List<Recipe> recipes;
    private final List<String> names;

    private record Recipe(int background, int[] backgroundA, int[] backgroundB, double frequency, double angle,
                          int[] elementKinds, int[][] elementColors, double size, int minCount, int maxCount,
                          double regionX, double regionY, double spread, double[] glyph) {
    }

    private static final int GLYPH = 5;

    public SceneCorpus(int classes, long seed) {
        recipes = new ArrayList<>();
        names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            recipes.add(recipe(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + c * 0xD1B54A32D192ED03L)));
            names.add(String.format("scene %02d", c));
        }
    }

    private static Recipe recipe(SplittableRandom random) {
        boolean glyphFamily = random.nextBoolean();
        int kinds = glyphFamily ? 1 : 1 + random.nextInt(2);
        int[] elementKinds = new int[kinds];
        int[][] colors = new int[kinds][];
        for (int k = 0; k < kinds; k++) {
            elementKinds[k] = glyphFamily ? GLYPH : random.nextInt(5);
            colors[k] = Canvas.randomColor(random, 0, 256);
        }
        // a glyph: a stroke through three to five random points of the unit square, drawn large and once
        double[] glyph = new double[2 * (3 + random.nextInt(3))];
        for (int i = 0; i < glyph.length; i++) {
            glyph[i] = random.nextDouble() * 2 - 1;
        }
        int minCount = glyphFamily ? 1 : 1 + random.nextInt(4);
        int maxCount = glyphFamily ? 1 : minCount + random.nextInt(4);
        double size = glyphFamily ? 8 + random.nextDouble() * 4 : 2 + random.nextDouble() * 6;
        double spread = glyphFamily ? 2 : 3 + random.nextDouble() * 10;
        double region = glyphFamily ? 16 : 6 + random.nextDouble() * 20;
        return new Recipe(random.nextInt(5), Canvas.randomColor(random, 0, 256), Canvas.randomColor(random, 0, 256),
                0.15 + random.nextDouble() * 0.6, random.nextDouble() * Math.PI, elementKinds, colors,
                size, minCount, maxCount, region, glyphFamily ? 16 : 6 + random.nextDouble() * 20, spread, glyph);
    }

    @Override
    public String name() {
        return "scenes";
    }

    @Override
    public List<String> classNames() {
        return names;
    }

    @Override
    public RgbImage render(int label, SplittableRandom random) {
        Recipe recipe = recipes.get(label);
        boolean glyphFamily = recipe.elementKinds()[0] == GLYPH;
        // a glyph family's colours are drawn anew per sample, so its stroke is all that identifies it
        Canvas canvas = glyphFamily ? Canvas.noisyBackground(IMAGE_SIZE, random) : background(recipe, random);
        int count = recipe.minCount() + random.nextInt(recipe.maxCount() - recipe.minCount() + 1);
        for (int i = 0; i < count; i++) {
            int kind = random.nextInt(recipe.elementKinds().length);
            int[] color = glyphFamily ? Canvas.contrastingColor(random, canvas) : Canvas.jitter(recipe.elementColors()[kind], 40, random);
            double cx = recipe.regionX() + random.nextGaussian() * recipe.spread();
            double cy = recipe.regionY() + random.nextGaussian() * recipe.spread();
            double r = recipe.size() * (0.7 + 0.6 * random.nextDouble());
            int elementKind = recipe.elementKinds()[kind];
            double angle = elementKind == GLYPH ? (random.nextDouble() - 0.5) * 0.5 : random.nextDouble() * Math.PI;
            canvas.fill(elementKind == GLYPH ? glyph(recipe.glyph(), cx, cy, r, angle, 0.7 + random.nextDouble() * 0.7)
                    : element(elementKind, cx, cy, r, angle), color);
        }
        return canvas.toImage();
    }

    private static Canvas background(Recipe recipe, SplittableRandom random) {
        int size = IMAGE_SIZE;
        Canvas canvas = new Canvas(size);
        int[] a = Canvas.jitter(recipe.backgroundA(), 30, random);
        int[] b = Canvas.jitter(recipe.backgroundB(), 30, random);
        double frequency = recipe.frequency() * (0.85 + 0.3 * random.nextDouble());
        double angle = recipe.angle() + (random.nextDouble() - 0.5) * 0.3;
        double phase = random.nextDouble() * 2 * Math.PI;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double mix = switch (recipe.background()) {
                    case 0 -> 0;
                    case 1 -> (x * cos + y * sin) / (size * 1.5) + 0.5;
                    case 2 -> Math.sin((x * cos + y * sin) * frequency * 2 + phase) > 0 ? 1 : 0;
                    case 3 -> ((int) Math.floor(x * frequency / 2) + (int) Math.floor(y * frequency / 2)) % 2;
                    default -> random.nextDouble() < frequency * 0.5 ? 1 : 0;
                };
                mix = Math.max(0, Math.min(1, mix));
                canvas.set(x, y, Canvas.jitter(new int[] {blend(a[0], b[0], mix), blend(a[1], b[1], mix), blend(a[2], b[2], mix)}, 8, random));
            }
        }
        return canvas;
    }

    private static int blend(int a, int b, double mix) {
        return (int) Math.round(a + (b - a) * mix);
    }

    /** The glyph's polyline scaled by r, turned by angle, centred at (cx, cy), as a stroke of half-width w. */
    private static Canvas.Region glyph(double[] points, double cx, double cy, double r, double angle, double width) {
        int n = points.length / 2;
        double[] xs = new double[n];
        double[] ys = new double[n];
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int i = 0; i < n; i++) {
            xs[i] = cx + r * (points[2 * i] * cos - points[2 * i + 1] * sin);
            ys[i] = cy + r * (points[2 * i] * sin + points[2 * i + 1] * cos);
        }
        return (x, y) -> {
            for (int i = 0; i + 1 < n; i++) {
                if (segmentDistance(x, y, xs[i], ys[i], xs[i + 1], ys[i + 1]) <= width) {
                    return true;
                }
            }
            return false;
        };
    }

    private static double segmentDistance(double x, double y, double x0, double y0, double x1, double y1) {
        double dx = x1 - x0;
        double dy = y1 - y0;
        double length = dx * dx + dy * dy;
        double t = length == 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / length));
        return Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
    }

    private static Canvas.Region element(int kind, double cx, double cy, double r, double angle) {
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        return switch (kind) {
            case 0 -> (x, y) -> Math.hypot(x - cx, y - cy) <= r;
            case 1 -> (x, y) -> {
                double u = (x - cx) * cos + (y - cy) * sin;
                double v = -(x - cx) * sin + (y - cy) * cos;
                return Math.abs(u) <= r * 0.8 && Math.abs(v) <= r * 0.5;
            };
            case 2 -> (x, y) -> {
                double u = (x - cx) * cos + (y - cy) * sin;
                double v = -(x - cx) * sin + (y - cy) * cos;
                return Math.abs(u) <= r * 1.6 && Math.abs(v) <= 0.9;
            };
            case 3 -> (x, y) -> Math.abs(Math.hypot(x - cx, y - cy) - r * 0.8) <= Math.max(0.8, r * 0.2);
            default -> (x, y) -> {
                double d = Math.hypot(x - cx, y - cy);
                return d <= r && ((int) (x * 7.31 + y * 3.17) % 3 == 0);
            };
        };
    }
}
