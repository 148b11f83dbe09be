package amalgam.data;

import amalgam.UserInputException;
import amalgam.data.image.RgbImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/** A labelled grid of samples: one row per class, its name on the left, images scaled up without smoothing. */
public final class GridPreview {
    private static final int SCALE = 3;
    private static final int LABEL_WIDTH = 130;
    private static final int GAP = 4;

    private GridPreview() {
    }

    /** PNG bytes of the grid; {@code rows.get(c)} holds the samples of class c. */
    public static byte[] render(String title, List<String> classNames, List<List<RgbImage>> rows) {
        int cell = rows.stream().flatMap(List::stream).mapToInt(image -> Math.max(image.width(), image.height())).max().orElse(1) * SCALE;
        int columns = rows.stream().mapToInt(List::size).max().orElse(1);
        int width = LABEL_WIDTH + columns * (cell + GAP) + GAP;
        int height = 24 + rows.size() * (cell + GAP) + GAP;
        System.setProperty("java.awt.headless", "true");
        BufferedImage grid = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = grid.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        graphics.setColor(Color.WHITE);
        graphics.fillRect(0, 0, width, height);
        graphics.setColor(Color.BLACK);
        graphics.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        graphics.drawString(title, GAP, 16);
        graphics.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int row = 0; row < rows.size(); row++) {
            int top = 24 + row * (cell + GAP);
            graphics.setColor(Color.BLACK);
            graphics.drawString(classNames.get(row), GAP, top + cell / 2 + 4);
            for (int column = 0; column < rows.get(row).size(); column++) {
                draw(grid, rows.get(row).get(column), LABEL_WIDTH + column * (cell + GAP), top);
            }
        }
        graphics.dispose();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(grid, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UserInputException("cannot encode the preview: " + e.getMessage(), e);
        }
    }

    private static void draw(BufferedImage grid, RgbImage image, int left, int top) {
        for (int y = 0; y < image.height() * SCALE; y++) {
            for (int x = 0; x < image.width() * SCALE; x++) {
                int sy = y / SCALE;
                int sx = x / SCALE;
                int rgb = image.sample(sy, sx, 0) << 16 | image.sample(sy, sx, 1) << 8 | image.sample(sy, sx, 2);
                grid.setRGB(left + x, top + y, rgb);
            }
        }
    }
}
