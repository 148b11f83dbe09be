package amalgam.config;

import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.Map;

/**
 * What a run knows besides its configs, as Hydra fills it into the {@code hydra} node: the job's name
 * ({@code hydra.job.name}; FusionBench's is its script's), the working directory ({@code hydra.runtime.cwd}), the
 * start time ({@code ${now:...}}, taken once per run so every interpolation agrees and tests are deterministic),
 * whether this is a multirun and which job of it ({@code hydra.job.num}), and the environment ({@code oc.env}).
 */
public record HydraRuntime(String jobName, Path cwd, ZonedDateTime now, boolean multirun, int jobNumber,
                           Map<String, String> environment) {
    public HydraRuntime {
        environment = Map.copyOf(environment);
        cwd = cwd.toAbsolutePath().normalize();
    }

    /** The current process: its working directory, clock, time zone and environment; job 0 of a single run. */
    public static HydraRuntime current(String jobName) {
        return new HydraRuntime(jobName, Path.of("").toAbsolutePath(), ZonedDateTime.now(), false, 0, System.getenv());
    }

    /** The same runtime for job {@code number} of a multirun (same start time: one sweep directory). */
    public HydraRuntime job(int number) {
        return new HydraRuntime(jobName, cwd, now, true, number, environment);
    }
}
