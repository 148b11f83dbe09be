package amalgam.mergekit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.merge.TensorJob;
import amalgam.mergekit.config.ConfigParser;
import amalgam.mergekit.plan.MergekitPlan;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
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
        double tolerance = expectations.get("tolerance").asDouble();
        DType expectedDType = DType.fromTorchName(expectations.get("out_dtype").get(0).asText());
        MergekitPlan plan = MergekitPlan.build(ConfigParser.parse(Files.readString(dir.resolve("config.yml"))), 0,
                MERGE_TINY::resolve, SafetensorsTestFile::open);
        Map<String, Tensor> expected = SafetensorsTestFile.read(dir.resolve("expected").resolve("model.safetensors"));
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(plan.jobs().stream().map(TensorJob::outputName).toList()));
        try (Arena arena = Arena.ofConfined()) {
            for (TensorJob job : plan.jobs()) {
                Tensor want = expected.get(job.outputName());
                assertEquals(want.dtype(), job.outputDType(), job.outputName());
                assertEquals(expectedDType, job.outputDType(), job.outputName());
                assertEquals(want.shape(), job.outputShape(), job.outputName());
                Tensor got = job.compute(arena);
                double diff = 0;
                double norm = 0;
                for (long i = 0; i < want.elementCount(); i++) {
                    double w = want.getFloat(i);
                    double d = got.getFloat(i) - w;
                    diff += d * d;
                    norm += w * w;
                }
                double relative = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
                assertTrue(relative <= tolerance, job.outputName() + ": relative error " + relative + " > " + tolerance);
            }
        }
        // config.json / tokenizer donor: the base model, else the first model in config order
        String donor = plan.configText().contains("base_model:") ? "llama/base" : "llama/math";
        assertEquals(MERGE_TINY.resolve(donor), plan.donorDirectory());
    }
}
