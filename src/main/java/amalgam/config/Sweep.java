package amalgam.config;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multirun sweeps as Hydra's BasicSweeper expands them: every sweep override ({@code a=1,2}, {@code choice(..)},
 * {@code range(..)}) gives one value per job, and the jobs are the cartesian product in the order the keys first
 * appear, the first key varying slowest ({@code a=1,2 b=x,y}: (1,x), (1,y), (2,x), (2,y)). A key given twice keeps
 * its first position and its last value (BasicSweeper.split_arguments).
 */
public final class Sweep {
    /** The most jobs one sweep may produce: a guard against {@code range(0,1e9)}. */
    public static final int MAX_JOBS = 100_000;

    private Sweep() {
    }

    /** The concrete override lists, one per job. Without sweeps: one job with the overrides as given. */
    public static List<List<HydraOverride>> expand(List<HydraOverride> overrides) {
        Map<String, List<HydraOverride>> byKey = new LinkedHashMap<>();
        for (HydraOverride override : overrides) {
            List<HydraOverride> choices = new ArrayList<>();
            if (override.value() != null && override.value().isSweep()) {
                override.value().values().forEach(value -> choices.add(override.with(value)));
            } else {
                choices.add(override);
            }
            byKey.put(override.keyElement(), choices);
        }
        List<List<HydraOverride>> jobs = new ArrayList<>();
        jobs.add(List.of());
        for (List<HydraOverride> choices : byKey.values()) {
            if ((long) jobs.size() * choices.size() > MAX_JOBS) {
                throw new UserInputException("the sweep has more than " + MAX_JOBS + " jobs; sweep fewer values");
            }
            List<List<HydraOverride>> longer = new ArrayList<>();
            for (List<HydraOverride> job : jobs) {
                for (HydraOverride choice : choices) {
                    List<HydraOverride> next = new ArrayList<>(job);
                    next.add(choice);
                    longer.add(List.copyOf(next));
                }
            }
            jobs = longer;
        }
        return List.copyOf(jobs);
    }

    /**
     * Refuses sweeps outside multirun, as Hydra does: {@code a=1,2} without {@code -m} is ambiguous (a list? a
     * string? a sweep?), and {@code choice}/{@code range} need {@code -m}.
     */
    public static void checkAllowed(List<HydraOverride> overrides, boolean multirun) {
        for (HydraOverride override : overrides) {
            OverrideValue value = override.value();
            if (value == null || !value.isSweep()) {
                continue;
            }
            if (multirun && override.isHydraOverride()) {
                throw new UserInputException("sweeping over Hydra's own config is not supported: '" + override.text() + "'");
            }
            if (multirun) {
                continue;
            }
            if (value instanceof OverrideValue.ChoiceSweep choice && choice.simple()) {
                String key = override.keyElement();
                throw new UserInputException("ambiguous value in '" + override.text() + "': add -m (--multirun) to run "
                        + "one job per value, write " + key + "=[value1,value2] for a list, or quote it ("
                        + key + "='value1,value2') for a string");
            }
            throw new UserInputException("sweep '" + override.text() + "' needs -m (--multirun)");
        }
    }
}
