package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import amalgam.io.Checkpoint;
import amalgam.io.TensorInfo;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import amalgam.testing.RelativeError;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the merge fixtures, run end to end through the command line in a separate JVM whose
 * working directory is the fixtures' merge-tiny folder (the cases' model paths are relative to it), and compared
 * tensor by tensor with the expected output by ||out - expected|| / ||expected|| within the case's tolerance.
 */
class FixtureCasesCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A case takes 1–3 s here (a fresh JVM and a tiny merge); a CLI that hangs fails its case instead of the build. */
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path temp;

    static Stream<String> cases() throws IOException {
        Path cases = Fixtures.path("merge-tiny/cases");
        try (Stream<Path> children = Files.list(cases)) {
            return children.map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseMatchesItsExpectedOutput(String name) throws Exception {
        Path mergeTiny = Fixtures.path("merge-tiny");
        Path caseDir = mergeTiny.resolve("cases").resolve(name);
        JsonNode spec = JSON.readTree(caseDir.resolve("case.json").toFile());
        Path out = temp.resolve("out");
        List<String> command = new ArrayList<>();
        if (name.startsWith("fb_")) {
            command.add("run");
            for (String line : Files.readAllLines(caseDir.resolve("args.txt"))) {
                if (line.isBlank()) {
                    continue;
                }
                command.add(line.startsWith("modelpool=") ? "modelpool=" + caseDir.resolve(line.substring(10)) : line.strip());
            }
            command.add("taskpool=dummy");
            command.add("merged_model_save_path=" + out);
        } else {
            command.addAll(List.of("merge", caseDir.resolve("config.yml").toString(), out.toString()));
        }
        Path stderr = temp.resolve("stderr.txt");
        Process process = launch(command, mergeTiny, stderr);
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            fail("amalgam " + String.join(" ", command) + " did not finish within " + TIMEOUT + "\n" + Files.readString(stderr));
        }
        assertEquals(0, process.exitValue(), "amalgam " + String.join(" ", command) + "\n" + Files.readString(stderr));
        compare(out, caseDir.resolve("expected"), spec);
    }

    private static void compare(Path out, Path expectedDir, JsonNode spec) {
        // case.json: 1e-5 for float32 methods (a few roundings per element), 1e-4 for the SVD-based ones (iso_c, OPCM,
        // TSV-M), whose float32 LAPACK results legitimately differ from the reference's at that level
        double tolerance = spec.get("tolerance").asDouble();
        assertTrue(tolerance <= 1e-4, "case tolerance " + tolerance);
        String dtype = spec.get("out_dtype").get(0).asText();
        try (Checkpoint actual = Checkpoint.open(out); Checkpoint expected = Checkpoint.open(expectedDir)) {
            assertEquals(expected.tensors().stream().map(TensorInfo::name).toList(),
                    actual.tensors().stream().map(TensorInfo::name).toList());
            for (TensorInfo info : expected.tensors()) {
                Tensor a = actual.tensor(info.name());
                Tensor e = expected.tensor(info.name());
                assertEquals(e.shape(), a.shape(), info.name());
                assertEquals(DType.fromTorchName(dtype), a.dtype(), info.name());
                RelativeError.assertAtMost(tolerance, e, a, info.name());
            }
        }
    }

    /**
     * The CLI in a fresh JVM with this test's class path, so the working directory can differ; its standard error
     * goes to a file, so waiting for the process is what bounds the time, not reading a pipe until it closes.
     */
    static Process launch(List<String> arguments, Path workingDirectory, Path stderr) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-Damalgam.data=" + System.getProperty("amalgam.data", workingDirectory.resolve(".amalgam-data").toString()),
                "-cp", System.getProperty("java.class.path"), "amalgam.cli.Main"));
        command.addAll(arguments);
        return new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile()).start();
    }
}
