package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import amalgam.testing.RelativeError;
import amalgam.testing.SafetensorsTestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End-to-end FusionBench fixture cases ({@code merge-tiny/cases/fb_*} of the test fixtures): load the pool, configure the
 * method from args.txt (and each alias of case.json), run every job and compare with expected/model.safetensors by
 * ||out − exp|| / ||exp|| per tensor against the case's tolerance.
 */
class FixtureCasesTest {
    private static final Path MERGE_TINY = Fixtures.mergeTiny();

    static Stream<Path> cases() throws IOException {
        Path cases = MERGE_TINY.resolve("cases");
        try (Stream<Path> list = Files.list(cases)) {
            return list.filter(p -> p.getFileName().toString().startsWith("fb_")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesExpected(Path caseDirectory) throws IOException {
        JsonNode info = new ObjectMapper().readTree(caseDirectory.resolve("case.json").toFile());
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String line : Files.readAllLines(caseDirectory.resolve("args.txt"))) {
            if (!line.isBlank()) {
                int eq = line.indexOf('=');
                overrides.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        ModelPool pool = ModelPool.load(caseDirectory.resolve(overrides.get("modelpool")), MERGE_TINY, SafetensorsTestFiles::open);
        Map<String, Tensor> expected = SafetensorsTestFiles.read(caseDirectory.resolve("expected").resolve("model.safetensors"));
        // case.json: 1e-5 for float32 methods (a few roundings per element), 1e-4 for the SVD-based ones (iso_c, OPCM,
        // TSV-M), whose float32 LAPACK results legitimately differ from the reference's at that level
        double tolerance = info.get("tolerance").asDouble();
        assertTrue(tolerance <= 1e-4, "case tolerance " + tolerance);
        check(((FusionAlgorithm) MethodRegistry.fromOverrides(overrides)).plan(pool, 0), expected, tolerance, caseDirectory);
        for (JsonNode alias : info.get("method_aliases")) {
            overrides.put("method", alias.asText());
            check(((FusionAlgorithm) MethodRegistry.fromOverrides(overrides)).plan(pool, 0), expected, tolerance, caseDirectory);
        }
    }

    private static void check(List<TensorJob> jobs, Map<String, Tensor> expected, double tolerance, Path caseDirectory) {
        assertEquals(expected.keySet(), jobs.stream().map(TensorJob::outputName).collect(java.util.stream.Collectors.toSet()));
        for (TensorJob job : jobs) {
            Tensor want = expected.get(job.outputName());
            assertEquals(want.dtype(), job.outputDType(), job.outputName());
            assertEquals(want.shape(), job.outputShape(), job.outputName());
            try (Arena arena = Arena.ofConfined()) {
                // the case's own tolerance (case.json): float32 round-off for most methods, more for SVD-based ones
                RelativeError.assertAtMost(tolerance, want, job.compute(arena), caseDirectory.getFileName() + " " + job.outputName());
            }
        }
        assertTrue(jobs.stream().allMatch(j -> j.outputDType() == DType.F32 || !j.outputDType().isFloatingPoint()));
    }
}
