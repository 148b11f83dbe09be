package amalgam.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every hostile input fails fast with a typed error naming the file and the problem, and exit 2 in the CLI. */
class HostileFilesTest {
    @TempDir
    Path temp;

    static List<HostileFiles.Case> cases() {
        return HostileFiles.all();
    }

    @Test
    void theCorpusIsLarge() {
        assertTrue(cases().size() >= 30, "corpus has " + cases().size() + " cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void openingFailsWithANamedTypedError(HostileFiles.Case hostile) throws Exception {
        Path path = hostile.writer().write(temp);
        UserInputException error = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(UserInputException.class, () -> Checkpoint.open(path).close()));
        String message = error.getMessage();
        assertTrue(message.contains(path.getFileName().toString()), "message does not name the file: " + message);
        assertTrue(message.toLowerCase().contains(hostile.keyword().toLowerCase()),
                "message lacks '" + hostile.keyword() + "': " + message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inspectExitsTwoWithoutStackTrace(HostileFiles.Case hostile) throws Exception {
        Path path = hostile.writer().write(temp);
        for (List<String> arguments : List.of(List.of("inspect", path.toString()), List.of("inspect", path.toString(), "--json"))) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.execute(arguments.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
            assertEquals(2, code, err.toString());
            assertTrue(err.toString().toLowerCase().contains(hostile.keyword().toLowerCase()), err.toString());
            assertFalse(err.toString().contains("\tat "), err.toString());
            assertEquals("", out.toString());
        }
    }
}
