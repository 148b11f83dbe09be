package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The readable table: rows in FusionBench's order, accuracies in percent with one decimal, columns aligned. */
class ReportTableTest {
    @Test
    void rendersReferenceRowsThenTheFusedModel() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("mnist", Map.of("accuracy", 0.5, "loss", 1.0));
        report.put("shapes", Map.of("accuracy", 0.125, "loss", 2.0));
        report.put("average", Map.of("accuracy", 0.3125, "loss", 1.5));
        report.put("model_info", Map.of("all_params", 10));
        Map<String, Object> pretrained = new LinkedHashMap<>();
        pretrained.put("mnist", Map.of("accuracy", 0.25));
        pretrained.put("shapes", Map.of("accuracy", 0.75));
        pretrained.put("average", Map.of("accuracy", 0.5));
        report.put("reference", Map.of("pretrained", pretrained, "individual", Map.of("mnist", Map.of("accuracy", 1.0))));
        String expected = """
                model            mnist  shapes  average
                ---------------  -----  ------  -------
                pretrained        25.0    75.0     50.0
                individual       100.0       -        -
                task_arithmetic   50.0    12.5     31.3
                """;
        assertEquals(expected, ReportTable.render("task_arithmetic", report));
    }

    @Test
    void nothingToShowForADummyTaskPool() {
        assertEquals("", ReportTable.render("dummy", Map.of("model_info", Map.of("all_params", 3))));
    }
}
