package amalgam.cli;

import amalgam.data.BuiltInTasks;
import amalgam.data.GridPreview;
import amalgam.data.synthetic.SceneCorpus;
import amalgam.zoo.ZooRecipe;
import amalgam.io.AtomicFiles;
import amalgam.io.OutputFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam data ...}: the built-in benchmark's datasets. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "The built-in benchmark's datasets.",
        subcommands = {DataCommand.Preview.class})
final class DataCommand extends CommandGroup {
    @Command(name = "preview", mixinStandardHelpOptions = true, description = "Draw a labelled grid of test samples per class to a PNG.")
    static final class Preview implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "mnist, fashion_mnist, shapes, textures, counting, orientation, position,"
                + " symmetry, or scenes (the zoo's pre-training corpus, first 16 families)")
        String name;

        @Option(names = "--out", required = true, description = "PNG file to write.")
        Path output;

        @Option(names = "--per-class", defaultValue = "8", description = "Samples per class (default ${DEFAULT-VALUE}).")
        int perClass;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the synthetic tasks (default ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            OutputFile.checkReplaceable(output, OutputFile::isAmalgamPng);
            if (perClass < 1 || perClass > 64) {
                throw new amalgam.UserInputException("--per-class must be between 1 and 64, got " + perClass);
            }
            BuiltInTasks.Preview preview = name.equals("scenes")
                    ? BuiltInTasks.preview(new SceneCorpus(ZooRecipe.MINI8.sceneClasses(), ZooRecipe.MINI8.sceneSeed()), 16, perClass, seed)
                    : BuiltInTasks.preview(name, perClass, seed);
            AtomicFiles.writeBytes(output, OutputFile.markPng(GridPreview.render(name, preview.classNames(), preview.samples())));
            return Main.EXIT_OK;
        }
    }
}
