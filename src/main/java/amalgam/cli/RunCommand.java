package amalgam.cli;

import amalgam.fusion.FusionRun;
import amalgam.fusion.RunReport;
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
    "Keys: method=NAME, method.PARAM=VALUE, modelpool=PATH.yaml, taskpool=dummy, merged_model_save_path=DIR,",
    "report_save_path=FILE.json, seed=N, print_config=true, reference=true."})
final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "key=value", description = "Config overrides, e.g. method=ties_merging method.threshold=20.")
    List<String> overrides = List.of();

    @Option(names = "--threads", description = "Worker threads (default: all cores). The output does not depend on it.")
    Integer threads;

    @Option(names = "--memory", defaultValue = "1Gi", description = "Memory budget for tensors in flight (default ${DEFAULT-VALUE}).")
    String memory;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> arguments = RunArguments.parse(overrides);
        PrintWriter out = spec.commandLine().getOut();
        RunReport report = new FusionRun(EngineSettings.of(threads, memory, null, true)).run(arguments, out);
        out.println(report.toPrettyJson());
        return Main.EXIT_OK;
    }
}
