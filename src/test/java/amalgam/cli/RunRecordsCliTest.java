package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.closedform.TinyTrainPools;
import amalgam.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run records through the CLI, in process, in a fresh records folder per test: runs, sweeps and merges are recorded
 * with their resolved parameters, inputs and metrics, and {@code amalgam runs} lists, shows, compares and exports them.
 */
class RunRecordsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("^(\\d+-[0-9a-f]{6})\\s", Pattern.MULTILINE);

    @TempDir
    static Path benchmark;

    @TempDir
    Path temp;

    @BeforeAll
    static void tinyBenchmark() {
        TinyTrainPools.write(benchmark, 4);
    }

    private Path records() {
        return temp.resolve("records");
    }

    private CliRunner run(String... overrides) {
        List<String> arguments = new ArrayList<>(List.of("run", "--records", records().toString(), "--threads", "2",
                "modelpool=" + benchmark.resolve("pool.yaml"), "taskpool=" + benchmark.resolve("tasks.yaml")));
        arguments.addAll(List.of(overrides));
        return CliRunner.run(arguments.toArray(String[]::new));
    }

    private CliRunner runs(String... arguments) {
        List<String> all = new ArrayList<>(List.of("runs"));
        all.addAll(List.of(arguments));
        all.addAll(List.of("--records", records().toString()));
        return CliRunner.run(all.toArray(String[]::new));
    }

    private static List<String> ids(String listing) {
        List<String> ids = new ArrayList<>();
        Matcher matcher = ID.matcher(listing);
        while (matcher.find()) {
            ids.add(matcher.group(1));
        }
        return ids;
    }

    @Test
    void threeRunsAndASweepAreListedAndCompared() throws Exception {
        for (String method : List.of("task_arithmetic", "simple_average", "ties_merging")) {
            CliRunner result = run("method=" + method);
            assertEquals(0, result.exitCode(), result.err());
        }
        CliRunner sweep = run("-m", "method=task_arithmetic", "method.scaling_factor=0.1,0.3");
        assertEquals(0, sweep.exitCode(), sweep.err());

        CliRunner list = runs("list");
        assertEquals(0, list.exitCode(), list.err());
        List<String> ids = ids(list.out());
        assertEquals(5, ids.size(), list.out());
        assertTrue(ids.getFirst().startsWith("1-") && ids.getLast().startsWith("5-"), list.out());
        assertTrue(list.out().contains("simple_average") && list.out().contains("ties_merging"), list.out());

        CliRunner byMethod = runs("list", "--method", "task_arithmetic", "--last", "2");
        assertEquals(ids.subList(3, 5), ids(byMethod.out()), byMethod.out());

        CliRunner compare = runs("compare", ids.get(3), ids.get(4));
        assertEquals(0, compare.exitCode(), compare.err());
        assertTrue(compare.out().contains("sun397") && compare.out().contains("eurosat") && compare.out().contains("average"),
                compare.out());
        assertTrue(compare.out().matches("(?s).*method\\.scaling_factor\\s+0\\.1\\s+0\\.3.*"), compare.out());
        JsonNode json = JSON.readTree(runs("compare", ids.get(3), ids.get(4), "--json").out());
        assertEquals(List.of("method.scaling_factor"), iterable(json.get("differing_parameters").fieldNames()));
        assertEquals(0.1, json.at("/differing_parameters/method.scaling_factor/" + ids.get(3).replace("/", "~1")).asDouble());
        assertTrue(json.at("/accuracy/sun397/" + ids.get(4)).isNumber(), json.toString());

        // the sweep's jobs share a sweep id; ties_merging's record holds every parameter, its defaults resolved
        JsonNode first = JSON.readTree(runs("show", ids.get(3), "--json").out());
        JsonNode second = JSON.readTree(runs("show", ids.get(4), "--json").out());
        assertEquals(first.at("/invocation/sweep"), second.at("/invocation/sweep"));
        assertEquals(1, second.at("/invocation/job").asInt());
        JsonNode ties = JSON.readTree(runs("show", ids.get(2).split("-")[1], "--json").out());
        assertEquals("ties_merging", ties.get("method").asText());
        assertEquals(20, ties.at("/parameters/threshold").asInt(), ties.toString());
        assertTrue(ties.at("/parameters").has("merge_func"), ties.toString());
        assertEquals("ok", ties.get("status").asText());
        assertEquals(3, ties.get("models").size());
        assertTrue(ties.at("/models/0/sha256").asText().startsWith("sha256:"), ties.toString());
        assertTrue(ties.get("scores").size() >= 2 && ties.at("/model_info/all_params").asLong() > 0, ties.toString());
        assertTrue(ties.get("config_text").asText().contains("threshold: 20.0"), ties.get("config_text").asText());
        assertTrue(ties.at("/environment/cores").asInt() > 0 && ties.at("/environment/memory_bytes").asLong() > 0, ties.toString());
        assertTrue(ties.at("/timings/finished_at").isTextual(), ties.toString());

        CliRunner show = runs("show", ids.get(0));
        assertEquals(0, show.exitCode(), show.err());
        assertTrue(show.out().contains("task_arithmetic") && show.out().contains("scaling_factor = 0.3")
                && show.out().contains("accuracy (%)"), show.out());
    }

    @Test
    void aMergeIsRecordedWithItsResolvedParametersAndDigests() throws Exception {
        Path llama = Fixtures.mergeTiny().resolve("llama");
        Path config = Files.writeString(temp.resolve("merge.yml"), "merge_method: ties\nbase_model: " + llama.resolve("base")
                + "\nmodels:\n  - model: " + llama.resolve("math") + "\n    parameters: {weight: 0.5, density: 0.5}\n  - model: "
                + llama.resolve("code") + "\n    parameters: {weight: 0.5, density: [0.2, 0.8]}\ndtype: float32\n");
        CliRunner merge = CliRunner.run("merge", config.toString(), temp.resolve("out").toString(), "--records", records().toString(),
                "--no-progress");
        assertEquals(0, merge.exitCode(), merge.err());
        JsonNode record = JSON.readTree(runs("show", "1", "--json").out());
        assertEquals("merge", record.get("command").asText());
        assertEquals("mergekit", record.get("dialect").asText());
        assertEquals("ties", record.get("method").asText());
        JsonNode parameters = record.get("parameters");
        assertTrue(parameters.has("normalize"), "a global parameter at its default: " + parameters);
        assertEquals(0.5, parameters.get("models." + llama.resolve("math") + ".density").asDouble(), parameters.toString());
        assertEquals(2, parameters.get("models." + llama.resolve("code") + ".density").size(), "a gradient as written");
        assertEquals(3, record.get("models").size(), record.toString());
        assertTrue(record.at("/models/0/files/0/sha256").asText().matches("[0-9a-f]{64}"), record.toString());
        assertTrue(record.get("config_text").asText().startsWith("merge_method: ties"));
        assertTrue(record.at("/environment/software/backend").isTextual(), "the provenance's software, with the backend");
    }

    @Test
    void aFailedRunIsRecordedWithItsMessageAndANoRecordRunIsNot() throws Exception {
        // a model the pool names is missing: the run starts, then fails
        Path pool = Files.writeString(temp.resolve("missing.yaml"), "models:\n  _pretrained_: " + temp.resolve("nowhere") + "\n");
        CliRunner failed = CliRunner.run("run", "--records", records().toString(), "modelpool=" + pool, "taskpool=dummy",
                "method=simple_average");
        assertEquals(2, failed.exitCode(), failed.err());
        CliRunner unrecorded = run("method=simple_average", "--no-record");
        assertEquals(0, unrecorded.exitCode(), unrecorded.err());
        JsonNode list = JSON.readTree(runs("list", "--json").out());
        assertEquals(1, list.size(), list.toString());
        assertEquals("failed", list.at("/0/status").asText());
        JsonNode record = JSON.readTree(runs("show", list.at("/0/id").asText(), "--json").out());
        assertTrue(record.get("error").asText().contains("nowhere"), record.toString());
        assertTrue(record.at("/timings/finished_at").isTextual());
    }

    @Test
    void aRecordsFolderThatCannotBeWrittenOnlyWarns() throws Exception {
        Path blocked = Files.writeString(temp.resolve("not-a-folder"), "a file where the records folder should be");
        CliRunner result = CliRunner.run("run", "--records", blocked.toString(), "modelpool=" + benchmark.resolve("pool.yaml"),
                "taskpool=" + benchmark.resolve("tasks.yaml"), "method=simple_average");
        assertEquals(0, result.exitCode(), result.err());
        assertEquals(1, result.err().lines().filter(line -> line.startsWith("amalgam: warning: this run is not recorded")).count(),
                result.err());
        assertTrue(result.out().contains("simple_average"), "the run's output is whole");
    }

    @Test
    void exportsAreCsvOrJsonAndReplaceOnlyEarlierExports() throws Exception {
        assertEquals(0, run("method=simple_average").exitCode());
        assertEquals(0, run("method=task_arithmetic").exitCode());
        CliRunner csv = runs("export", "--format", "csv");
        assertEquals(0, csv.exitCode(), csv.err());
        List<String> lines = csv.out().lines().toList();
        assertEquals(3, lines.size(), csv.out());
        assertTrue(lines.getFirst().startsWith("id,uuid,started_at,") && lines.getFirst().contains("accuracy.sun397"), lines.getFirst());
        Path out = temp.resolve("runs.json");
        CliRunner json = runs("export", "--format", "json", "--out", out.toString());
        assertEquals(0, json.exitCode(), json.err());
        JsonNode exported = JSON.readTree(out.toFile());
        assertEquals(2, exported.size());
        assertEquals("simple_average", exported.at("/0/method").asText());
        assertEquals(0, runs("export", "--format", "json", "--out", out.toString()).exitCode(), "an earlier export is replaced");
        Path mine = Files.writeString(temp.resolve("mine.csv"), "my,own\n");
        CliRunner refused = runs("export", "--out", mine.toString());
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals("my,own\n", Files.readString(mine));
    }

    @Test
    void badInputIsExitTwoWithASentence() throws Exception {
        assertEquals(0, run("method=simple_average").exitCode());
        for (List<String> arguments : List.of(List.of("show", "99"), List.of("show", "1-ffffff"), List.of("show", "no/such"),
                List.of("compare", "1", "42"), List.of("export", "--format", "xml"), List.of("list", "--last", "0"))) {
            CliRunner result = runs(arguments.toArray(String[]::new));
            assertEquals(2, result.exitCode(), arguments + ": " + result.err());
            assertTrue(result.err().startsWith("amalgam: error: "), result.err());
            assertFalse(result.err().contains("\tat "), result.err());
        }
        CliRunner empty = CliRunner.run("runs", "list", "--records", temp.resolve("fresh").toString());
        assertEquals(0, empty.exitCode(), empty.err());
        assertEquals("no runs recorded\n", empty.out());
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
