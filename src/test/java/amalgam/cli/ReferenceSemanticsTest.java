package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import amalgam.testing.RelativeError;
import amalgam.testing.SafetensorsTestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * amalgam's data-dependent methods against an independent implementation of FusionBench's semantics
 * (bench/reference/fusion_reference.py, plain torch in float64, no shared code) on a pool it made: three CLIP vision
 * models that no other test uses, image-folder task pools with train and test splits, zero-shot heads. The pool is
 * small enough that no method's result depends on its data order (see the script), so amalgam must match to float32
 * rounding: merged tower tensors within 1e-4 relative error each (float32 forward and backward passes against a
 * float64 reference accumulate a few 1e-6 of error; RegMean's solve and Fisher's squared gradients amplify it by at
 * most the conditioning of the Gram matrices, about 10 here), ensemble losses within 1e-4 and accuracies exactly.
 */
class ReferenceSemanticsTest {
    private static final Path POOL = Fixtures.path("fusion-reference");
    private static final double MERGE_TOLERANCE = 1e-4;

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"fw_merging/fw_hard", "fisher_merging/clip_fisher_merging", "regmean/clip_regmean",
            "regmean_plusplus/clip_regmean_plusplus", "trust_region/clip_task_arithmetic",
            "adamerging/clip_task_wise_adamerging", "adamerging/clip_layer_wise_adamerging"})
    void mergesEqualTheReference(String method) throws Exception {
        Map<String, Tensor> expected = SafetensorsTestFiles.read(POOL.resolve("expected.safetensors"));
        Path out = temp.resolve("merged");
        List<String> arguments = new ArrayList<>(List.of("run", "--threads", "2", "method=" + method,
                "modelpool=" + POOL.resolve("pool.yaml"), "taskpool=" + POOL.resolve("tasks.yaml"), "merged_model_save_path=" + out));
        arguments.addAll(options(method));
        run(arguments);
        Map<String, Tensor> merged = SafetensorsTestFiles.read(out.resolve("model.safetensors"));
        int compared = 0;
        for (Map.Entry<String, Tensor> entry : expected.entrySet()) {
            if (entry.getKey().startsWith(method + "/vision_model.")) {
                String name = entry.getKey().substring(method.length() + 1);
                RelativeError.assertAtMost(MERGE_TOLERANCE, entry.getValue(), merged.get(name), method + " " + name);
                compared++;
            }
        }
        assertEquals(merged.keySet().stream().filter(name -> name.startsWith("vision_model.")).count(), compared,
                "every tower tensor is compared");
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple_ensemble", "max_model_predictor"})
    void ensemblesEqualTheReference(String method) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(POOL.resolve("expected.json").toFile());
        Path report = temp.resolve("report.json");
        run(List.of("run", "--threads", "2", "method=" + method, "modelpool=" + POOL.resolve("pool.yaml"),
                "taskpool=" + POOL.resolve("tasks.yaml"), "report_save_path=" + report));
        JsonNode actual = new ObjectMapper().readTree(report.toFile());
        for (String task : List.of("alpha", "beta", "gamma")) {
            JsonNode reference = expected.get(method + "/" + task);
            assertEquals(reference.get("accuracy").asDouble(), actual.get(task).get("accuracy").asDouble(), 1e-12, task);
            assertEquals(reference.get("loss").asDouble(), actual.get(task).get("loss").asDouble(), 1e-4, task);
        }
    }

    /** The options that make a method read what the reference read (the whole split, the reference's step counts). */
    private static List<String> options(String method) {
        return switch (method) {
            case "adamerging/clip_task_wise_adamerging", "adamerging/clip_layer_wise_adamerging" -> List.of("method.max_steps=5");
            case "fw_merging/fw_hard" -> List.of("method.dataset_size=12", "method.max_iters=2");
            default -> List.of();
        };
    }

    private static void run(List<String> arguments) {
        CliRunner result = CliRunner.run(arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
    }
}
