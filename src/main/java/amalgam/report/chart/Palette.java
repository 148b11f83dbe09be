package amalgam.report.chart;

import java.util.List;

/** Series colours that stay distinct for colour-blind readers (Okabe and Ito's palette), reused in turn. */
public final class Palette {
    private static final List<String> COLOURS = List.of("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
            "#f0e442", "#000000");
    /** The pretrained model's reference. */
    public static final String PRETRAINED = "#d55e00";
    /** The individual (task) models' reference. */
    public static final String INDIVIDUAL = "#009e73";

    private Palette() {
    }

    public static String colour(int series) {
        return COLOURS.get(Math.floorMod(series, COLOURS.size()));
    }
}
