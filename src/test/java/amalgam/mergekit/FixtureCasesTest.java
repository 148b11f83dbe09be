package amalgam.mergekit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.merge.TensorJob;
import amalgam.mergekit.config.ConfigParser;
import amalgam.mergekit.plan.MergekitPlan;
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
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end against the test fixtures: every {@code merge-tiny/cases/mk_*} config is planned, every job run, and
 * each output tensor compared with {@code expected/model.safetensors} by {@code ‖out − exp‖/‖exp‖ ≤ tolerance}.
 */
class FixtureCasesTest {
    private static final Path MERGE_TINY = Fixtures.mergeTiny();

    static Stream<String> cases() throws IOException {
        Path cases = MERGE_TINY.resolve("cases");
        try (Stream<Path> list = Files.list(cases)) {
            return list.map(path -> path.getFileName().toString()).filter(name -> name.startsWith("mk_")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void mergeMatchesExpected(String name) throws IOException {
        Path dir = MERGE_TINY.resolve("cases").resolve(name);
        JsonNode expectations = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
        // case.json: 1e-5, float32 round-off of the reference (mergekit in torch float32) and of ours
        double tolerance = expectations.get("tolerance").asDouble();
        assertTrue(tolerance <= 1e-5, "case tolerance " + tolerance);
        DType expectedDType = DType.fromTorchName(expectations.get("out_dtype").get(0).asText());
        MergekitPlan plan = MergekitPlan.build(ConfigParser.parse(Files.readString(dir.resolve("config.yml"))), 0,
                MERGE_TINY::resolve, SafetensorsTestFiles::open);
        Map<String, Tensor> expected = SafetensorsTestFiles.read(dir.resolve("expected").resolve("model.safetensors"));
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(plan.jobs().stream().map(TensorJob::outputName).toList()));
        try (Arena arena = Arena.ofConfined()) {
            for (TensorJob job : plan.jobs()) {
                Tensor want = expected.get(job.outputName());
                assertEquals(want.dtype(), job.outputDType(), job.outputName());
                assertEquals(expectedDType, job.outputDType(), job.outputName());
                assertEquals(want.shape(), job.outputShape(), job.outputName());
                RelativeError.assertAtMost(tolerance, want, job.compute(arena), name + " " + job.outputName());
            }
        }
        // config.json / tokenizer donor: the base model, else the first model in config order
        String donor = plan.configText().contains("base_model:") ? "llama/base" : "llama/math";
        assertEquals(MERGE_TINY.resolve(donor), plan.donorDirectory());
    }
}
