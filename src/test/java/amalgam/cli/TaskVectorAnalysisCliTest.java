package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsWriter;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.tensor.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FusionBench's analysis methods on a pool whose task vectors are known: θ0 = 0 over two tensors (4 entries), so the
 * task vectors are the models' weights.
 */
class TaskVectorAnalysisCliTest {
    @TempDir
    Path temp;

    private Path pool() throws Exception {
        model("base", new float[] {0, 0}, new float[] {0, 0});
        model("x", new float[] {1, 0}, new float[] {0, 0});      // τ = (1, 0, 0, 0)
        model("xy", new float[] {1, 1}, new float[] {0, 0});     // τ = (1, 1, 0, 0)
        model("minus", new float[] {-2, 0}, new float[] {0, 0}); // τ = (−2, 0, 0, 0)
        return Files.writeString(temp.resolve("pool.yaml"), "models:\n  _pretrained_: " + temp.resolve("base") + "\n  x: "
                + temp.resolve("x") + "\n  xy: " + temp.resolve("xy") + "\n  minus: " + temp.resolve("minus") + "\n");
    }

    private void model(String name, float[] a, float[] b) throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a.weight", Tensor.ofFloats(a, 2));
        tensors.put("b.weight", Tensor.ofFloats(b, 2));
        ClipCheckpoints.save(temp.resolve(name), tensors, "{\"model_type\": \"toy\"}", SafetensorsWriter.PT_FORMAT);
    }

    @Test
    void cosineSimilarityIsReportedWrittenAndDrawnAndTheModelIsThePretrainedOne() throws Exception {
        CliRunner run = CliRunner.run("run", "method=analysis/task_vector_cos_similarity", "modelpool=" + pool(),
                "method.output_path=" + temp.resolve("analysis"), "merged_model_save_path=" + temp.resolve("out"),
                "report_save_path=" + temp.resolve("report.json"));
        assertEquals(0, run.exitCode(), run.err());
        double half = Math.sqrt(0.5);
        double[] expected = {1, half, -1, half, 1, -half, -1, -half, 1};
        JsonNode rows = new ObjectMapper().readTree(temp.resolve("report.json").toFile()).get("learned").get("task_vector_cos_similarity")
                .get("rows");
        List<String> names = List.of("x", "xy", "minus");
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(expected[r * 3 + c], rows.get(names.get(r)).get(c).asDouble(), 1e-6); // stored as float32
            }
        }
        List<String> csv = Files.readAllLines(temp.resolve("analysis/task_vector_cos_similarity.csv"));
        assertEquals(",x,xy,minus", csv.get(0));
        String[] minus = csv.get(3).split(",");
        assertEquals("minus", minus[0]);
        assertEquals(-half, Double.parseDouble(minus[2]), 1e-15);
        String svg = Files.readString(temp.resolve("analysis/task_vector_cos_similarity.svg"));
        assertEquals(9, count(svg, "class=\"cell mark\""));
        assertTrue(!svg.contains("http://") || svg.indexOf("http://") == svg.indexOf("http://www.w3.org/2000/svg"), "no external references");
        try (Checkpoint out = Checkpoint.open(temp.resolve("out"))) {
            assertArrayEquals(new float[] {0, 0}, out.tensor("a.weight").toFloatArray());
        }
    }

    @Test
    void violinsSummariseEachTaskVectorsValues() throws Exception {
        CliRunner run = CliRunner.run("run", "method=analysis/task_vector_violin_plot", "modelpool=" + pool(),
                "method.max_points_per_model=null", "method.output_path=" + temp.resolve("violins"),
                "report_save_path=" + temp.resolve("report.json"));
        assertEquals(0, run.exitCode(), run.err());
        JsonNode xy = new ObjectMapper().readTree(temp.resolve("report.json").toFile()).get("learned").get("task_vector_values")
                .get("rows").get("xy");
        // values 1, 1, 0, 0: min 0, q1 0, median 0.5, q3 1, max 1 (numpy's linear quantiles), mean 0.5, sample std √(1/3)
        double[] expected = {0, 0, 0.5, 1, 1, 0.5, Math.sqrt(1.0 / 3)};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], xy.get(i).asDouble(), 1e-6, "statistic " + i);
        }
        for (String file : List.of("task_vector_violin.svg", "task_vector_violin_abs.svg")) {
            assertEquals(3, count(Files.readString(temp.resolve("violins").resolve(file)), "class=\"violin mark\""), file);
        }
    }

    @Test
    void aSampleComparesTheSamePositionsInEveryModelAndIsReproducible() throws Exception {
        Path pool = pool();
        String first = sampledCosines(pool, "one.json");
        assertEquals(first, sampledCosines(pool, "two.json"));
        // x and minus differ only in entry 0: on any sample containing it they are opposite, else both zero (cosine 0)
        double cosine = new ObjectMapper().readTree(first).get("rows").get("x").get(2).asDouble();
        assertTrue(cosine == -1 || cosine == 0, "cosine " + cosine);
    }

    private String sampledCosines(Path pool, String report) throws Exception {
        CliRunner run = CliRunner.run("run", "method=analysis/task_vector_cos_similarity", "modelpool=" + pool,
                "method.max_points_per_model=2", "report_save_path=" + temp.resolve(report));
        assertEquals(0, run.exitCode(), run.err());
        return new ObjectMapper().readTree(temp.resolve(report).toFile()).get("learned").get("task_vector_cos_similarity").toString();
    }

    @Test
    void anOutputPathHoldingTheUsersFilesIsRefusedBeforeAnyWork() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("mine"));
        Files.writeString(folder.resolve("notes.txt"), "keep me");
        CliRunner run = CliRunner.run("run", "method=analysis/task_vector_cos_similarity", "modelpool=" + pool(),
                "method.output_path=" + folder);
        assertEquals(2, run.exitCode(), run.err());
        assertEquals("keep me", Files.readString(folder.resolve("notes.txt")));
        assertEquals(List.of(folder.resolve("notes.txt")), Files.list(folder).toList());
        CliRunner kwargs = CliRunner.run("run", "method=analysis/task_vector_violin_plot", "modelpool=" + pool(), "method.fig_kwargs=big");
        assertEquals(2, kwargs.exitCode(), kwargs.err());
        assertTrue(kwargs.err().contains("fig_kwargs"), kwargs.err());
    }

    private static int count(String text, String what) {
        Matcher matcher = Pattern.compile(Pattern.quote(what)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
