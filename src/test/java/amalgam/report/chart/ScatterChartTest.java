package amalgam.report.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Scatter labels: each where it covers nothing drawn before, or left out; every point is drawn either way. */
class ScatterChartTest {
    @Test
    void aLabelGoesUpAndRightOfItsPointWhenThatIsFree() {
        double[] box = ScatterChart.freePlace(100, 100, "#1", new ArrayList<>(List.<double[]>of(new double[] {96, 96, 104, 104})));
        assertArrayEquals(new double[] {106, 82, 106 + 2 * 6.6, 94}, box, 1e-9);
    }

    @Test
    void aLabelMovesBelowWhenTheSpaceAboveIsTaken() {
        List<double[]> taken = new ArrayList<>(List.of(new double[] {96, 96, 104, 104}, new double[] {105, 80, 140, 95}));
        double[] box = ScatterChart.freePlace(100, 100, "#1", taken);
        assertEquals(106, box[1], 1e-9, "below the point");
        assertEquals(106, box[0], 1e-9, "still right of it");
    }

    @Test
    void aLabelWithNoFreePlaceIsLeftOut() {
        List<double[]> taken = new ArrayList<>(List.<double[]>of(new double[] {0, 0, 1000, 1000}));
        assertNull(ScatterChart.freePlace(100, 100, "#1", taken));
    }

    @Test
    void coincidentPointsAreAllDrawnAndTheirLabelsDoNotOverlap() {
        List<ScatterChart.Point> points = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            points.add(new ScatterChart.Point("#" + i, 1_000_000, 60.0, "run " + i));
        }
        String svg = ScatterChart.svg("t", "parameters", "accuracy", points, List.of());
        Matcher marks = Pattern.compile("class=\"point mark\"").matcher(svg);
        int drawn = 0;
        while (marks.find()) {
            drawn++;
        }
        assertEquals(9, drawn, "every point is drawn");
        Matcher labels = Pattern.compile(">#(\\d)<").matcher(svg);
        int labelled = 0;
        while (labels.find()) {
            labelled++;
        }
        assertEquals(4, labelled, "nine points at one place leave room for four labels around them");
    }
}
