package amalgam.cli;

import amalgam.UserInputException;
import amalgam.io.MappedInputs;
import amalgam.io.StorageFailures;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point: exit 0 on success, 2 on bad input (message only), 1 on an internal error. */
@Command(name = "amalgam", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Deep model fusion for the JVM: merge, ensemble and evaluate models.",
        subcommands = {InspectCommand.class, MergeCommand.class, RunCommand.class, RunsCommand.class, ReportCommand.class, EvalCommand.class, GenerateCommand.class, MethodsCommand.class, DataCommand.class, ZooCommand.class, HeadsCommand.class, DebugCommand.class, BenchCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USER = 2;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces on errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (tests call this directly). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main());
        // Hydra's options (--config-path, -m, --cfg, ...) reach the run command in order, with its overrides
        commandLine.getSubcommands().get("run").setUnmatchedOptionsArePositionalParams(true);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> report(exception, cmd, err));
        commandLine.setParameterExceptionHandler((exception, args1) -> {
            err.println("amalgam: " + exception.getMessage());
            exception.getCommandLine().usage(err);
            return EXIT_USER;
        });
        MappedInputs.forgetClosed();
        int code;
        try {
            code = commandLine.execute(args);
        } catch (InternalError | OutOfMemoryError failure) {
            // picocli hands only Exceptions to the handler; a fault on a mapped page is an Error
            code = report(failure, commandLine, err);
        }
        out.flush();
        err.flush();
        return code;
    }

    private static int report(Throwable failure, CommandLine commandLine, PrintWriter err) {
        boolean debug = isDebug(commandLine);
        Throwable exception = MappedInputs.explainFault(failure).or(() -> StorageFailures.explain(failure))
                .<Throwable>map(explained -> explained).orElse(failure);
        if (exception instanceof UserInputException) {
            err.println("amalgam: error: " + exception.getMessage());
            if (debug) {
                exception.printStackTrace(err);
            }
            return EXIT_USER;
        }
        if (exception instanceof OutOfMemoryError) {
            // the launcher sizes the heap from --memory: a tensor larger than the budget can need more
            err.println("amalgam: error: out of memory (" + exception.getMessage() + "); the launcher sizes the JVM from"
                    + " --memory (heap 2 x the budget, at least 2 GiB): run again with a larger --memory, or give"
                    + " AMALGAM_JAVA_OPTS=-Xmx...");
            if (debug) {
                exception.printStackTrace(err);
            }
            return EXIT_INTERNAL;
        }
        err.println("amalgam: internal error: " + exception);
        if (debug) {
            exception.printStackTrace(err);
        } else {
            err.println("amalgam: run again with --debug for the stack trace");
        }
        return EXIT_INTERNAL;
    }

    private static boolean isDebug(CommandLine commandLine) {
        CommandLine root = commandLine;
        while (root.getParent() != null) {
            root = root.getParent();
        }
        return ((Main) root.getCommand()).debug;
    }
}
