package amalgam.cli;

import amalgam.bench.IoBenchmark;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amalgam bench ...}: throughput benchmarks that print ratios to the machine's measured limits. */
@Command(name = "bench", description = "Benchmarks: throughput next to the machine's limits measured in the same run.",
        subcommands = {BenchCommand.Io.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "io", description = "Mapped tensor reads and BF16 -> F32 conversion vs a plain memory copy.")
    static final class Io implements Callable<Integer> {
        @Option(names = "--size", defaultValue = "1Gi", description = "Size of the BF16 tensor (default ${DEFAULT-VALUE}).")
        String size;

        @Option(names = "--repetitions", defaultValue = "5", description = "Timed runs; the best is reported.")
        int repetitions;

        @Option(names = "--dir", defaultValue = "${java.io.tmpdir}", description = "Where the temporary checkpoint goes.")
        Path directory;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            new IoBenchmark(SizeOption.parse(size, "--size"), repetitions, directory).run(spec.commandLine().getOut());
            return Main.EXIT_OK;
        }
    }
}
