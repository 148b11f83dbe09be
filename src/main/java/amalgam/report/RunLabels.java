package amalgam.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Short names for runs in figures: {@code #12 task_arithmetic scaling_factor=0.3}, the run's sequence number, its
 * method and the parameters in which it differs from the other runs of the same method in the report.
 */
final class RunLabels {
    private final Map<String, String> labels = new LinkedHashMap<>();

    RunLabels(List<StoredRun> runs) {
        Map<String, List<StoredRun>> byMethod = new LinkedHashMap<>();
        runs.forEach(run -> byMethod.computeIfAbsent(String.valueOf(run.record().method()), method -> new ArrayList<>()).add(run));
        byMethod.forEach((method, sameMethod) -> {
            Map<String, List<Object>> differing = RunComparison.differingSettings(sameMethod.stream().map(StoredRun::record).toList());
            for (int i = 0; i < sameMethod.size(); i++) {
                StringBuilder label = new StringBuilder("#").append(sequence(sameMethod.get(i))).append(' ').append(method);
                for (Map.Entry<String, List<Object>> setting : differing.entrySet()) {
                    label.append(' ').append(shortSetting(setting.getKey())).append('=')
                            .append(Formats.value(setting.getValue().get(i)));
                }
                labels.put(sameMethod.get(i).id(), label.toString());
            }
        });
    }

    String of(StoredRun run) {
        return labels.get(run.id());
    }

    /** A setting's name as figures show it: a method parameter without its {@code method.} prefix. */
    static String shortSetting(String key) {
        return key.replaceFirst("^method\\.", "");
    }

    /** The sequence half of a run id ({@code 12} of {@code 12-3fa9c2}). */
    static String sequence(StoredRun run) {
        int dash = run.id().indexOf('-');
        return dash < 0 ? run.id() : run.id().substring(0, dash);
    }
}
