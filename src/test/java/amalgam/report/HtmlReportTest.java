package amalgam.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page's content and its promises that need no browser: every figure and its marks, self-containment, safety. */
class HtmlReportTest {
    private static final Pattern FIGURE = Pattern.compile("<svg class=\"chart\"[^>]*data-marks=\"(\\d+)\">(.*?)</svg>", Pattern.DOTALL);

    @TempDir
    Path temp;

    @Test
    void everyFigureHasTheMarksOfItsData() {
        String html = HtmlReport.render("runs", ReportFixtures.runs());
        List<Integer> declared = new ArrayList<>();
        Matcher figure = FIGURE.matcher(html);
        while (figure.find()) {
            int marks = Integer.parseInt(figure.group(1));
            declared.add(marks);
            assertEquals(marks, count(figure.group(2), "mark\""), "marks written in figure " + declared.size());
        }
        assertEquals(ReportFixtures.expectedMarks(), declared);
    }

    @Test
    void theSweepNamesItsBestPointByValidationWithItsTestAccuracy() {
        String html = HtmlReport.render("runs", ReportFixtures.runs());
        // job 1 is best on validation (66 %); job 2 is best on test (67 %) and must not be chosen
        assertTrue(html.contains("best on validation (test 65.0)"), "the ringed point");
        Matcher chosen = Pattern.compile("<tr><td>([^<]*)</td><td>method.scaling_factor=([^<]*)</td><td class=\"num\">66.0</td>"
                + "<td class=\"num\">65.0</td><td>best on validation</td></tr>").matcher(html);
        assertTrue(chosen.find(), "the table marks the point chosen on validation");
        assertEquals("0.4", chosen.group(2).substring(0, 3));
        assertEquals(1, count(html, "<td>best on validation</td>"));
    }

    @Test
    void thePageIsSelfContainedEscapedAndTheSameForTheSameRuns() {
        List<StoredRun> runs = ReportFixtures.runs();
        String html = HtmlReport.render("a <title> & more", runs);
        assertEquals(html, HtmlReport.render("a <title> & more", runs));
        assertFalse(html.contains("http:") || html.contains("https:") || html.contains("//"), "no external reference");
        assertFalse(Pattern.compile("(src|srcset|action)=|url\\(|@import|<script|<link|<iframe|<img", Pattern.CASE_INSENSITIVE)
                .matcher(html).find(), "nothing loaded, no script");
        Matcher link = Pattern.compile("href=\"([^\"]*)\"").matcher(html);
        while (link.find()) {
            assertTrue(link.group(1).startsWith("#"), "only links within the page: " + link.group(1));
            assertTrue(html.contains("id=\"" + link.group(1).substring(1) + "\""), "link target exists: " + link.group(1));
        }
        assertTrue(html.contains("a &lt;title&gt; &amp; more"));
        assertTrue(html.contains("tensor &#39;x&#39;") || html.contains("tensor 'x': &lt;bad&gt; &amp; &quot;worse&quot;"),
                "the failed run's error, escaped");
        assertEquals(runs.size(), count(html, "<details id=\"run-"), "every run's provenance");
    }

    @Test
    void withoutRunsThePageSaysSo() {
        String html = HtmlReport.render("runs", List.of());
        assertTrue(html.contains("No runs to report."));
        assertFalse(html.contains("<svg"));
    }

    @Test
    void writeReplacesAnEarlierReportButNoOtherFile() throws Exception {
        Path report = temp.resolve("report.html");
        HtmlReport.write(report, HtmlReport.render("one", List.of()), "--out");
        HtmlReport.write(report, HtmlReport.render("two", List.of()), "--out");
        assertTrue(Files.readString(report).contains("<title>two</title>"));
        Path mine = Files.writeString(temp.resolve("mine.html"), "<!DOCTYPE html><html><body>my notes</body></html>");
        UserInputException refused = assertThrows(UserInputException.class,
                () -> HtmlReport.write(mine, HtmlReport.render("x", List.of()), "--out"));
        assertTrue(refused.getMessage().contains("not an earlier amalgam report"));
        assertEquals("<!DOCTYPE html><html><body>my notes</body></html>", Files.readString(mine));
        assertThrows(UserInputException.class, () -> HtmlReport.write(temp, "x", "--out"));
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }
}
