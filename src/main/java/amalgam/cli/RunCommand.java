package amalgam.cli;

import amalgam.fusion.BuiltInPools;
import amalgam.fusion.FusionRun;
import amalgam.fusion.GroupOverrides;
import amalgam.fusion.ReferenceCache;
import amalgam.fusion.RunReport;
import amalgam.zoo.BuiltInBenchmark;
import amalgam.zoo.ZooRecipe;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam run [key=value ...]}: the FusionBench-style program (method x model pool x task pool). */
@Command(name = "run", mixinStandardHelpOptions = true, description = {"Run a fusion method on a model pool and evaluate it on a task pool.",
    "Without arguments: task_arithmetic on the built-in benchmark (model pool and task pool mini8), with reference rows.",
    "Keys: method=NAME, method.PARAM=VALUE, modelpool=mini8|PATH.yaml, taskpool=mini8|dummy|PATH.yaml,",
    "merged_model_save_path=DIR, report_save_path=FILE.json, seed=N, print_config=true, reference=true|false,",
    "modelpool.models.NAME=PATH, ~modelpool.models.NAME, taskpool.FIELD=VALUE (Hydra-style overrides of the pool files)."})
final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "key=value", description = "Config overrides, e.g. method=ties_merging method.threshold=20.")
    List<String> overrides = List.of();

    @Option(names = "--threads", description = "Worker threads (default: all cores). The output does not depend on it.")
    Integer threads;

    @Option(names = "--memory", defaultValue = "1Gi", description = "Memory budget for tensors in flight (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--allow-nonfinite", description = "Fuse NaN and infinities in input weights as FusionBench would, instead of refusing them.")
    boolean allowNonFinite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> arguments = RunArguments.parse(overrides);
        // FusionBench's Lightning Fabric and Hydra settings have no counterpart here
        List<String> ignored = arguments.keySet().stream().filter(RunCommand::isFrameworkKey).toList();
        if (!ignored.isEmpty()) {
            spec.commandLine().getErr().println("amalgam: warning: ignored (no Lightning Fabric or Hydra here): " + String.join(", ", ignored));
            ignored.forEach(arguments::remove);
        }
        PrintWriter out = spec.commandLine().getOut();
        RunReport report;
        try (var engine = EngineSettings.of(threads, memory, null, true)) {
            report = new FusionRun(engine, builtInPools(), ReferenceCache.standard()).allowingNonFinite(allowNonFinite).run(arguments, out);
        }
        out.println(report.toPrettyJson());
        return Main.EXIT_OK;
    }

    private static boolean isFrameworkKey(String key) {
        return key.equals("fabric") || GroupOverrides.isOverride(key, "fabric") || GroupOverrides.isOverride(key, "hydra")
                || GroupOverrides.isOverride(key, "path");
    }

    /** The embedded benchmark: the shipped mini8 zoo and its test splits. */
    static BuiltInPools builtInPools() {
        return new BuiltInPools(BuiltInBenchmark.NAME, BuiltInBenchmark::modelPoolFile,
                () -> BuiltInBenchmark.taskPool(ZooRecipe.MINI8, BuiltInBenchmark.zooDirectory()));
    }
}
