package amalgam.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code amalgam run [key=value ...]}: the FusionBench-style program (built in a later stage). */
@Command(name = "run", description = "Run a fusion method on a model pool and evaluate it on a task pool.")
final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "key=value", description = "Config overrides, e.g. method=ties_merging.")
    List<String> overrides = List.of();

    @Override
    public Integer call() {
        System.err.println("amalgam run: the built-in benchmark (model zoo, task pool, fusion methods) is not"
                + " built yet; see the README's status section. Use 'amalgam inspect MODEL' meanwhile.");
        return Main.EXIT_INTERNAL;
    }
}
