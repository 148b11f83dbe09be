package amalgam.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs with everything the report draws, made by hand: two task arithmetic runs with the reference rows, a sweep of
 * three points with validation scores (the middle one best on validation, the last best on test), a continual run,
 * a run that learned a coefficient table and one that learned a similarity matrix, a mixture with many parameters,
 * and a failed run; 4 tasks.
 */
final class ReportFixtures {
    static final List<String> TASKS = List.of("mnist", "svhn", "gtsrb", "dtd");

    private ReportFixtures() {
    }

    static List<StoredRun> runs() {
        List<RunRecord> records = new ArrayList<>();
        RunRecord base = RunDatabaseTest.record("task_arithmetic", ProcessHandle.current(), Instant.parse("2026-12-01T10:00:00Z"));
        List<RunRecord.TaskScore> withReferences = new ArrayList<>(scores(RunRecord.FUSED, 0.60, 0.02));
        withReferences.addAll(scores("pretrained", 0.40, 0.01));
        withReferences.addAll(scores("individual", 0.90, 0.01));
        records.add(finished(base, "task_arithmetic", Map.of("scaling_factor", 0.3), withReferences, null, RunRecord.Diagnostics.NONE, null, 0));
        records.add(finished(base, "ties_merging", Map.of("scaling_factor", 0.3, "threshold", 20), scores(RunRecord.FUSED, 0.62, 0.03), null,
                RunRecord.Diagnostics.NONE, null, 0));
        double[] validation = {0.55, 0.66, 0.64};
        double[] test = {0.56, 0.65, 0.67};
        for (int job = 0; job < 3; job++) {
            RunRecord.Diagnostics diagnostics = new RunRecord.Diagnostics(scores(RunRecord.FUSED, validation[job], 0), List.of(), List.of());
            records.add(finished(base, "task_arithmetic", Map.of("scaling_factor", 0.2 * (job + 1)), scores(RunRecord.FUSED, test[job], 0),
                    null, diagnostics, "sweep-a", job));
        }
        List<RunRecord.Step> steps = new ArrayList<>();
        for (int step = 0; step < TASKS.size(); step++) {
            List<RunRecord.TaskScore> seen = new ArrayList<>();
            for (int task = 0; task <= step; task++) {
                seen.add(new RunRecord.TaskScore(RunRecord.FUSED, TASKS.get(task), 0.9 - 0.1 * (step - task), null));
            }
            steps.add(new RunRecord.Step(step, TASKS.get(step), seen));
        }
        records.add(finished(base, "opcm", Map.of("alpha", 0.5), scores(RunRecord.FUSED, 0.58, 0.01), null,
                new RunRecord.Diagnostics(List.of(), steps, List.of()), null, 0));
        List<List<Double>> coefficients = TASKS.stream().map(task -> List.of(0.3, 0.31, 0.29, 0.35, 0.28)).toList();
        records.add(finished(base, "adamerging/clip_layer_wise_adamerging", Map.of("max_steps", 1000), scores(RunRecord.FUSED, 0.7, 0.02),
                null, new RunRecord.Diagnostics(List.of(), List.of(), List.of(new RunRecord.LearnedTable("merging_weights",
                        List.of("vision_model.a.weight", "vision_model.a.bias", "vision_model.b.weight", "vision_model.b.bias",
                                "vision_model.c.weight"), TASKS, coefficients))), null, 0));
        List<List<Double>> cosines = new ArrayList<>();
        for (int i = 0; i < TASKS.size(); i++) {
            List<Double> row = new ArrayList<>();
            for (int j = 0; j < TASKS.size(); j++) {
                row.add(i == j ? 1.0 : 0.1 * (i + j));
            }
            cosines.add(row);
        }
        records.add(finished(base, "analysis/task_vector_cos_similarity", Map.of(), scores(RunRecord.FUSED, 0.40, 0.01), null,
                new RunRecord.Diagnostics(List.of(), List.of(), List.of(new RunRecord.LearnedTable("task_vector_cos_similarity", TASKS,
                        TASKS, cosines))), null, 0));
        records.add(finished(base, "wemoe/weight_ensembling_moe", Map.of("max_steps", 1000), scores(RunRecord.FUSED, 0.8, 0.02),
                new RunRecord.ModelInfo(14_040, 969_752), RunRecord.Diagnostics.NONE, null, 0));
        records.add(base.withResults(List.of(), null, RunRecord.Diagnostics.NONE).ended(RunRecord.Status.FAILED, "tensor 'x': <bad> & \"worse\"",
                Instant.parse("2026-12-01T10:01:00Z")));
        return HtmlReport.numbered(records);
    }

    /** How many data marks each figure must show, in page order. */
    static List<Integer> expectedMarks() {
        int scored = 9; // every run but the failed one
        int tasks = TASKS.size();
        List<Integer> marks = new ArrayList<>();
        marks.add((scored + 2) * tasks); // accuracy heatmap: the runs and the two reference rows
        marks.add(scored); // average accuracy bars
        for (int run = 0; run < scored; run++) {
            marks.add(tasks); // a radar per run, a vertex per task
        }
        marks.add(tasks * 5); // the coefficient curves
        marks.add(tasks * tasks); // the similarity heatmap
        marks.add(tasks + tasks * (tasks + 1) / 2); // continual: the average per step and each task from its step on
        marks.add(2 * 3); // the sweep: validation and test at three points
        int withParameters = scored; // every record has model info (the base record's, or the mixture's)
        marks.add(withParameters);
        return marks;
    }

    private static List<RunRecord.TaskScore> scores(String model, double average, double spread) {
        List<RunRecord.TaskScore> scores = new ArrayList<>();
        for (int i = 0; i < TASKS.size(); i++) {
            scores.add(new RunRecord.TaskScore(model, TASKS.get(i), average + spread * (i - 1.5), 0.5));
        }
        return scores;
    }

    private static RunRecord finished(RunRecord base, String method, Map<String, Object> parameters, List<RunRecord.TaskScore> scores,
                                      RunRecord.ModelInfo info, RunRecord.Diagnostics diagnostics, String sweep, int job) {
        RunRecord.Invocation invocation = new RunRecord.Invocation(List.of("run", "method=" + method), "/work", null, null, sweep, job,
                base.invocation().pid(), base.invocation().processStart());
        RunRecord record = new RunRecord(java.util.UUID.nameUUIDFromBytes((method + parameters + sweep + job).getBytes()).toString(), "run",
                "fusionbench", method, new LinkedHashMap<>(parameters), "method: " + method + "\n", List.of(), "mini8", "mini8", List.of(),
                null, RunRecord.Diagnostics.NONE, 0, RunRecord.Status.INTERRUPTED, null, base.timings(), invocation, base.environment());
        return record.withResults(scores, info != null ? info : new RunRecord.ModelInfo(161_600, 161_600), diagnostics)
                .ended(RunRecord.Status.OK, null, base.timings().startedAt().plusSeconds(5));
    }
}
