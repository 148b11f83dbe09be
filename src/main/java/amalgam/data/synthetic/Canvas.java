package amalgam.data.synthetic;

import amalgam.data.image.RgbImage;
import java.util.SplittableRandom;

/** A small RGB drawing surface with the few primitives the synthetic tasks need. */
final class Canvas {
    final int size;
    private final byte[] pixels;

    Canvas(int size) {
        this.size = size;
        this.pixels = new byte[size * size * 3];
    }

    /** A random dark or light background with per-pixel noise. */
    static Canvas noisyBackground(int size, SplittableRandom random) {
        Canvas canvas = new Canvas(size);
        int[] base = randomColor(random, random.nextBoolean() ? 0 : 150, 100);
        int noise = 10 + random.nextInt(30);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                canvas.set(x, y, jitter(base, noise, random));
            }
        }
        return canvas;
    }

    static int[] randomColor(SplittableRandom random, int low, int range) {
        return new int[] {low + random.nextInt(range), low + random.nextInt(range), low + random.nextInt(range)};
    }

    /** A saturated colour far from the background's brightness. */
    static int[] contrastingColor(SplittableRandom random, Canvas canvas) {
        int brightness = canvas.get(0, 0, 0) + canvas.get(0, 0, 1) + canvas.get(0, 0, 2);
        return brightness > 380 ? randomColor(random, 0, 90) : randomColor(random, 170, 86);
    }

    static int[] jitter(int[] color, int amount, SplittableRandom random) {
        return new int[] {clamp(color[0] + random.nextInt(-amount, amount + 1)), clamp(color[1] + random.nextInt(-amount, amount + 1)),
            clamp(color[2] + random.nextInt(-amount, amount + 1))};
    }

    static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }

    void set(int x, int y, int[] color) {
        if (x >= 0 && y >= 0 && x < size && y < size) {
            int offset = (y * size + x) * 3;
            pixels[offset] = (byte) color[0];
            pixels[offset + 1] = (byte) color[1];
            pixels[offset + 2] = (byte) color[2];
        }
    }

    int get(int x, int y, int channel) {
        return pixels[(y * size + x) * 3 + channel] & 0xFF;
    }

    void fillRect(double x0, double y0, double x1, double y1, int[] color) {
        for (int y = (int) Math.floor(y0); y < Math.ceil(y1); y++) {
            for (int x = (int) Math.floor(x0); x < Math.ceil(x1); x++) {
                set(x, y, color);
            }
        }
    }

    /** Fills every pixel whose centre satisfies the predicate. */
    void fill(Region region, int[] color) {
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                if (region.contains(x + 0.5, y + 0.5)) {
                    set(x, y, color);
                }
            }
        }
    }

    interface Region {
        boolean contains(double x, double y);
    }

    RgbImage toImage() {
        return new RgbImage(size, size, pixels.clone());
    }
}
