package amalgam.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.fusion.taskpool.TaskMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The readable table: rows in FusionBench's order, accuracies in percent with one decimal, columns aligned. */
class ReportTableTest {
    @Test
    void rendersReferenceRowsThenTheFusedModel() {
        RunReport report = new RunReport();
        Map<String, TaskMetrics> fused = new LinkedHashMap<>();
        fused.put("mnist", new TaskMetrics(0.5, 1.0));
        fused.put("shapes", new TaskMetrics(0.125, 2.0));
        report.putResults(fused);
        report.putModelInfo(10, 10);
        Map<String, TaskMetrics> pretrained = new LinkedHashMap<>();
        pretrained.put("mnist", new TaskMetrics(0.25, 1.0));
        pretrained.put("shapes", new TaskMetrics(0.75, 1.0));
        // a pool without the shapes model: its individual row has mnist only, and averages what it has
        report.putReference(pretrained, Map.of("mnist", new TaskMetrics(1.0, 0.0)));
        String expected = """
                model            mnist  shapes  average
                ---------------  -----  ------  -------
                pretrained        25.0    75.0     50.0
                individual       100.0       -    100.0
                task_arithmetic   50.0    12.5     31.3
                """;
        assertEquals(expected, ReportTable.render("task_arithmetic", report));
    }

    @Test
    void nothingToShowForADummyTaskPool() {
        RunReport report = new RunReport();
        report.putModelInfo(3, 3);
        assertEquals("", ReportTable.render("dummy", report));
    }

    @Test
    void theJsonReportHasFusionBenchsShapeInAFixedOrder() {
        RunReport report = new RunReport();
        report.putReference(null, Map.of("mnist", new TaskMetrics(1.0, 0.0)));
        report.putResults(Map.of("mnist", new TaskMetrics(0.5, 1.0)));
        report.putModelInfo(2, 4);
        assertEquals("""
                {
                  "model_info" : {
                    "trainable_params" : 2,
                    "all_params" : 4,
                    "trainable_percentage" : 0.5
                  },
                  "mnist" : {
                    "accuracy" : 0.5,
                    "loss" : 1.0
                  },
                  "average" : {
                    "accuracy" : 0.5,
                    "loss" : 1.0
                  },
                  "reference" : {
                    "individual" : {
                      "mnist" : {
                        "accuracy" : 1.0,
                        "loss" : 0.0
                      },
                      "average" : {
                        "accuracy" : 1.0,
                        "loss" : 0.0
                      }
                    }
                  }
                }""", report.toPrettyJson());
    }
}
