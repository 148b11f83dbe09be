package amalgam.report;

import amalgam.fusion.RunSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a run's record holds from its start: enough to describe it if it never finishes.
 *
 * @param command    {@code run} or {@code merge}
 * @param dialect    {@code fusionbench} or {@code mergekit}
 * @param method     the method's name
 * @param parameters its parameters; unless {@code resolved}, as given (the provenance's resolved ones replace them)
 * @param resolved   whether {@code parameters} are already resolved (a merge's: its provenance keeps the config text)
 * @param configText the composed configuration
 * @param modelPool  the model pool's name, or null
 * @param taskPool   the task pool's name, or null
 * @param seed       the seed
 * @param outputPath where the fused model goes, or null
 * @param reportPath where the report goes, or null
 */
public record RecordStart(String command, String dialect, String method, Map<String, Object> parameters, boolean resolved,
                          String configText,
                          String modelPool, String taskPool, long seed, Path outputPath, Path reportPath) {
    /** One {@code amalgam run} job, with its composed configuration with interpolations resolved. */
    public static RecordStart of(RunSpec spec, String resolvedConfig, String builtInName) {
        return new RecordStart("run", "fusionbench", spec.method(), spec.methodParameters(), false, resolvedConfig,
                poolName(spec.modelPool(), builtInName, null), poolName(spec.taskPool(), builtInName, "dummy"), spec.seed(),
                spec.mergedModelSavePath(), spec.reportSavePath());
    }

    private static String poolName(RunSpec.Pool pool, String builtInName, String none) {
        return switch (pool) {
            case RunSpec.Pool.None absent -> none;
            case RunSpec.Pool.BuiltIn builtIn -> builtInName;
            case RunSpec.Pool.Document document -> document.file() != null ? document.file().toString() : document.name();
        };
    }
}
