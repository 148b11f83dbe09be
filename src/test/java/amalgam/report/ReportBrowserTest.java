package amalgam.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser (headless Chromium, offline): it loads without a single console message, every figure
 * is laid out with a non-empty box and draws as many marks as its data has, and a screenshot is kept
 * ({@code target/browser/report.png}). {@code ./test} installs Debian's chromium; {@code AMALGAM_CHROMIUM} names
 * another binary.
 */
class ReportBrowserTest {
    /** Appended to a copy of the page: measures every figure as laid out and writes the result into the DOM. */
    private static final String CHECK = """
            <script>
            const lines = [];
            for (const svg of document.querySelectorAll('svg.chart')) {
              const box = svg.getBoundingClientRect();
              let drawn = 0;
              for (const mark of svg.querySelectorAll('.mark')) {
                const b = mark.getBBox();
                if (b.width > 0 || b.height > 0) drawn++;
              }
              lines.push([svg.dataset.marks, drawn, Math.round(box.width), Math.round(box.height)].join(' '));
            }
            const pre = document.createElement('pre');
            pre.id = 'browser-check';
            pre.textContent = lines.join(';');
            document.body.appendChild(pre);
            </script>
            """;

    @TempDir
    Path temp;

    @Test
    void theReportRendersWithoutConsoleMessagesAndDrawsEveryMark() throws Exception {
        Path chromium = chromium();
        Path report = temp.resolve("report.html");
        HtmlReport.write(report, HtmlReport.render("amalgam runs", ReportFixtures.runs()), "--out");

        Path screenshot = Path.of("target", "browser", "report.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        Browser shot = run(chromium, "--screenshot=" + screenshot, "--window-size=1400,5000", report.toUri().toString());
        assertEquals(List.of(), shot.console(), "console messages of the report");
        assertTrue(Files.size(screenshot) > 50_000, "a screenshot with content: " + Files.size(screenshot) + " bytes");

        Path checked = temp.resolve("checked.html");
        Files.writeString(checked, Files.readString(report).replace("</body>", CHECK + "</body>"));
        Browser dom = run(chromium, "--dump-dom", "--window-size=1400,5000", checked.toUri().toString());
        assertEquals(List.of(), dom.console(), "console messages of the checked copy");
        Matcher result = Pattern.compile("<pre id=\"browser-check\">([^<]*)</pre>").matcher(dom.stdout());
        assertTrue(result.find(), "the check ran: " + dom.stdout().substring(0, Math.min(300, dom.stdout().length())));
        List<Integer> expected = ReportFixtures.expectedMarks();
        String[] figures = result.group(1).split(";");
        assertEquals(expected.size(), figures.length, "figures rendered");
        for (int i = 0; i < figures.length; i++) {
            String[] measured = figures[i].split(" ");
            assertEquals(expected.get(i), Integer.parseInt(measured[0]), "figure " + i + " declares its marks");
            assertEquals(expected.get(i), Integer.parseInt(measured[1]), "figure " + i + " draws every mark");
            assertTrue(Integer.parseInt(measured[2]) > 100 && Integer.parseInt(measured[3]) > 100, "figure " + i + " laid out: " + figures[i]);
        }
    }

    private record Browser(String stdout, List<String> console) {
    }

    private Browser run(Path chromium, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--user-data-dir=" + Files.createTempDirectory(temp, "profile")));
        command.addAll(List.of(arguments));
        Path stdout = Files.createTempFile(temp, "stdout", ".txt");
        Path stderr = Files.createTempFile(temp, "stderr", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + command);
        }
        List<String> console = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream().filter(line -> line.contains(":CONSOLE")).toList();
        return new Browser(Files.readString(stdout), console);
    }

    private static Path chromium() {
        String configured = System.getenv("AMALGAM_CHROMIUM");
        Path binary = Path.of(configured != null ? configured : "/usr/bin/chromium");
        Assumptions.assumeTrue(Files.isExecutable(binary), "no Chromium at " + binary + " (./test installs Debian's chromium)");
        return binary;
    }
}
