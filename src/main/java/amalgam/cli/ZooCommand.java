package amalgam.cli;

import amalgam.zoo.BuiltInBenchmark;
import amalgam.zoo.ZooBuilder;
import amalgam.zoo.ZooRecipe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amalgam zoo ...}: the built-in model zoo. */
@Command(name = "zoo", mixinStandardHelpOptions = true, description = "The built-in model zoo (mini8).",
        subcommands = {ZooCommand.Build.class})
final class ZooCommand extends CommandGroup {
    @Command(name = "build", mixinStandardHelpOptions = true, description = {
        "Rebuild the mini8 zoo from scratch, deterministically: pre-train a CLIP vision tower on the scene corpus,",
        "build the eight task heads from it, fine-tune one model per task. Needs the real datasets",
        "(scripts/fetch-datasets.sh). The weights do not depend on --threads."})
    static final class Build implements Callable<Integer> {
        @Option(names = "--out", description = "Folder to write (default: the shipped zoo, zoo/mini8 of the installation).")
        Path output;

        @Option(names = "--threads", description = "Fine-tuning lanes (default: all cores).")
        Integer threads;

        @Option(names = "--recipe", description = "shipped (default: the recipe of zoo/mini8) or narrow (the zoo shipped before"
                + " round 7 of the zoo study: a width-64 tower; see zoo/study/README.md).")
        String recipe = "shipped";

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Path target = output != null ? output : BuiltInBenchmark.zooDirectory();
            int lanes = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            if (lanes < 1) {
                throw new amalgam.UserInputException("--threads must be at least 1, got " + lanes);
            }
            PrintWriter err = spec.commandLine().getErr();
            ZooRecipe chosen = switch (recipe) {
                case "shipped" -> ZooRecipe.MINI8;
                case "narrow" -> ZooRecipe.MINI8_NARROW;
                default -> throw new amalgam.UserInputException("--recipe must be shipped or narrow, got '" + recipe + "'");
            };
            new ZooBuilder(chosen, err).build(target, lanes);
            spec.commandLine().getOut().println(target.toAbsolutePath());
            return Main.EXIT_OK;
        }
    }
}
