package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amalgam report} on runs recorded in a fresh records folder: three runs and a sweep on the built-in benchmark
 * are drawn, the sweep with its curve and its best point chosen on validation; a file that is not a report is never
 * replaced; {@code bench quality} writes the report of its table.
 */
class ReportCliTest {
    private static final Pattern ID = Pattern.compile("^(\\d+-[0-9a-f]{6})\\s", Pattern.MULTILINE);

    @TempDir
    Path temp;

    private String records() {
        return temp.resolve("records").toString();
    }

    @Test
    void threeRunsAndASweepAreDrawnWithTheBestPointChosenOnValidation() throws Exception {
        Path tiny = Files.createDirectories(temp.resolve("tiny"));
        TinyTrainPools.write(tiny, 4);
        for (String method : List.of("task_arithmetic", "simple_average", "ties_merging")) {
            CliRunner run = CliRunner.run("run", "--records", records(), "--threads", "2", "method=" + method,
                    "modelpool=" + tiny.resolve("pool.yaml"), "taskpool=" + tiny.resolve("tasks.yaml"));
            assertEquals(0, run.exitCode(), run.err());
        }
        CliRunner sweep = CliRunner.run("run", "--records", records(), "--threads", "2", "-m", "method.scaling_factor=0.1,0.5");
        assertEquals(0, sweep.exitCode(), sweep.err());
        Matcher best = Pattern.compile("# best job (\\d) \\(\\S+\\): validation accuracy ([0-9.]+), test accuracy ([0-9.]+)")
                .matcher(sweep.out());
        assertTrue(best.find(), sweep.out());

        CliRunner list = CliRunner.run("runs", "list", "--records", records());
        List<String> ids = new ArrayList<>();
        for (Matcher id = ID.matcher(list.out()); id.find(); ) {
            ids.add(id.group(1));
        }
        assertEquals(5, ids.size(), list.out());
        CliRunner compare = CliRunner.run("runs", "compare", ids.get(0), ids.get(1), ids.get(2), "--records", records());
        assertEquals(0, compare.exitCode(), compare.err());

        Path out = temp.resolve("report.html");
        CliRunner report = CliRunner.run("report", "--records", records(), "--out", out.toString());
        assertEquals(0, report.exitCode(), report.err());
        assertTrue(report.out().contains("(5 runs)"), report.out());
        String html = Files.readString(out);
        for (String id : ids) {
            assertTrue(html.contains("<details id=\"run-" + id + "\">"), "provenance of " + id);
        }
        assertTrue(html.contains("<h2>Sweep 1 of task_arithmetic</h2>"), "the sweep's section");
        int job = Integer.parseInt(best.group(1));
        String chosenRow = String.format(Locale.ROOT, "<td>%s</td><td>method.scaling_factor=%s</td><td class=\"num\">%.1f</td>"
                + "<td class=\"num\">%.1f</td><td>best on validation</td>", ids.get(3 + job), job == 0 ? "0.1" : "0.5",
                100 * Double.parseDouble(best.group(2)), 100 * Double.parseDouble(best.group(3)));
        assertTrue(html.contains(chosenRow), "the point the sweep chose, as the sweep printed it: " + chosenRow);
        String sweepSection = html.substring(html.indexOf("<h2>Sweep 1"), html.indexOf("</section>", html.indexOf("<h2>Sweep 1")));
        assertEquals(1, count(sweepSection, "<svg class=\"chart\""), "one curve figure");
        assertTrue(sweepSection.contains("data-marks=\"4\""), "validation and test at both points");

        CliRunner some = CliRunner.run("report", "--records", records(), "--runs", ids.get(0) + "," + ids.get(2), "--out", out.toString());
        assertEquals(0, some.exitCode(), some.err());
        assertTrue(some.out().contains("(2 runs)"), some.out());
        assertFalse(Files.readString(out).contains("Sweep 1"), "only the runs asked for");
    }

    @Test
    void aFileThatIsNotAReportIsNeverReplaced() throws Exception {
        Path mine = Files.writeString(temp.resolve("notes.html"), "my notes");
        CliRunner report = CliRunner.run("report", "--records", records(), "--out", mine.toString());
        assertEquals(2, report.exitCode());
        assertTrue(report.err().contains("not an earlier amalgam report"), report.err());
        assertEquals("my notes", Files.readString(mine));
        CliRunner quality = CliRunner.run("bench", "quality", "--report", mine.toString());
        assertEquals(2, quality.exitCode(), "refused before any work");
        assertEquals("my notes", Files.readString(mine));
        CliRunner unknown = CliRunner.run("report", "--records", records(), "--runs", "99-abcdef", "--out", temp.resolve("r.html").toString());
        assertEquals(2, unknown.exitCode());
        assertFalse(Files.exists(temp.resolve("r.html")));
    }

    @Test
    void benchQualityWritesTheReportOfItsTable() throws Exception {
        Path out = temp.resolve("quality.html");
        CliRunner quality = CliRunner.run("bench", "quality", "--threads", "2", "--methods", "simple_average", "--report", out.toString());
        assertEquals(0, quality.exitCode(), quality.err());
        assertTrue(quality.out().contains("| simple average |"), quality.out());
        assertTrue(quality.out().contains("| task arithmetic (λ = 0.3, FusionBench's default) |"), quality.out());
        String html = Files.readString(out);
        assertTrue(html.contains("10 runs"), "the λ sweep's nine points and the simple average");
        assertTrue(html.contains("<h2>Sweep 1 of task_arithmetic</h2>"));
        assertTrue(html.contains("pretrained (#"), "the reference rows");
        assertTrue(html.contains("simple_average"));
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }
}
