package amalgam.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.io.FileDigests;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The run's streaming record writer and the data-bound reader agree, field for field, nulls and nesting included. */
class RecordWriterTest {
    @Test
    void theStreamedRecordIsTheDataBoundOneAndReadsBackEqual() throws Exception {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("scaling_factor", 0.3);
        parameters.put("threshold", 20);
        parameters.put("remove_keys", List.of());
        parameters.put("dataloader_kwargs", Map.of("batch_size", 16, "shuffle", true));
        parameters.put("nothing", null);
        Instant start = Instant.parse("2026-01-02T03:04:05.123456789Z");
        RunRecord base = RunDatabaseTest.record("ties_merging", ProcessHandle.current(), start);
        RunRecord record = new RunRecord(base.uuid(), "run", "fusionbench", "ties_merging", parameters, "a: \"quoted\"\nb: ü\n",
                List.of(new RunRecord.ModelInput("sun397", "/models/sun397", "sha256:ab",
                        List.of(new FileDigests.FileDigest("model.safetensors", 12, "cd")))), "mini8", "dummy",
                List.of(new RunRecord.TaskScore(RunRecord.FUSED, "sun397", 0.25, null),
                        new RunRecord.TaskScore("pretrained", "sun397", 0.5, 1.5)),
                null, new RunRecord.Diagnostics(List.of(new RunRecord.TaskScore(RunRecord.FUSED, "sun397", 0.75, 0.5)),
                        List.of(new RunRecord.Step(0, "sun397", List.of(new RunRecord.TaskScore(RunRecord.FUSED, "sun397", 0.5, null)))),
                        List.of(new RunRecord.LearnedTable("layer_wise", List.of("0", "1"), List.of("sun397"), List.of(List.of(0.3, -0.25))))),
                7, RunRecord.Status.FAILED, "bad \"input\"", new RunRecord.Timings(start, start.plusSeconds(3)),
                new RunRecord.Invocation(List.of("run", "-m", "x=1,2"), "/work", "out", null, "sweep-1", 1, 42, null),
                base.environment());
        String streamed = RecordWriter.json(record);
        assertEquals(RecordJson.MAPPER.readTree(RecordJson.write(record)), RecordJson.MAPPER.readTree(streamed));
        assertEquals(record, RecordJson.read(streamed));
        RunRecord withInfo = record.withResults(record.scores(), new RunRecord.ModelInfo(3, 4), RunRecord.Diagnostics.NONE);
        assertEquals(withInfo, RecordJson.read(RecordWriter.json(withInfo)));
    }
}
