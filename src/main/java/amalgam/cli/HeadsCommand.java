package amalgam.cli;

import amalgam.UserInputException;
import amalgam.io.Checkpoint;
import amalgam.io.OutputFile;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipTokenizer;
import amalgam.model.clip.ClipWeights;
import amalgam.model.clip.ZeroShotHead;
import amalgam.model.clip.ZeroShotTemplates;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam heads build}: zero-shot classification heads from a CLIP text tower, for task pool YAML files. */
@Command(name = "heads", mixinStandardHelpOptions = true, description = "Zero-shot classification heads for task pools.",
        subcommands = {HeadsCommand.Build.class})
final class HeadsCommand extends CommandGroup {
    @Command(name = "build", mixinStandardHelpOptions = true, description = {
        "Build a task's zero-shot head from a Hugging Face CLIPModel (text tower + text_projection + logit_scale):",
        "every template filled with every class name, encoded, normalized and averaged per class, as FusionBench does."})
    static final class Build implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CLIP_MODEL", description = "A CLIPModel directory (config.json + safetensors).")
        Path model;

        @Option(names = "--classes", split = ",", description = "Class names in label order, comma-separated.")
        List<String> classes;

        @Option(names = "--classes-file", description = "Class names in label order, one per line (instead of --classes).")
        Path classesFile;

        @Option(names = "--templates", description = "A task of TALL20 whose CLIP prompt templates to use (e.g. eurosat).")
        String task;

        @Option(names = "--template", description = "A prompt template with one {} (repeatable; instead of --templates).")
        List<String> templates;

        @Option(names = "--tokenizer", description = "Folder with vocab.json + merges.txt or tokenizer.json (default: CLIP_MODEL).")
        Path tokenizer;

        @Option(names = "--out", required = true, description = "The head file to write (safetensors: weight [C, P], logit_scale).")
        Path output;

        @Override
        public Integer call() throws IOException {
            OutputFile.checkReplaceable(output, OutputFile::isAmalgamSafetensors);
            List<String> names = classNames();
            ZeroShotTemplates.TaskTemplates prompts = templates();
            ClipConfig config = ClipConfig.read(model.resolve("config.json"));
            if (config.text() == null) {
                throw new UserInputException("'" + model + "' is a vision-only checkpoint; a zero-shot head needs a CLIPModel with its text tower");
            }
            ClipTokenizer words = ClipTokenizer.fromDirectory(tokenizer != null ? tokenizer : model);
            try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(model);
                 Parallel parallel = Parallel.ofCores(); Graph graph = Graph.inference(parallel)) {
                amalgam.nn.Parameters params = ClipWeights.load(checkpoint, config, true, arena);
                ZeroShotHead.build(new ClipModel(config), params, words, names, prompts, graph, arena).save(output, OutputFile.safetensorsMetadata("zero-shot head"));
            }
            return Main.EXIT_OK;
        }

        private List<String> classNames() throws IOException {
            if ((classes == null) == (classesFile == null)) {
                throw new UserInputException("give the class names with exactly one of --classes or --classes-file");
            }
            List<String> names = classes != null ? classes
                    : Files.readAllLines(classesFile).stream().map(String::strip).filter(line -> !line.isEmpty()).toList();
            if (names.isEmpty()) {
                throw new UserInputException("no class names given");
            }
            return names;
        }

        private ZeroShotTemplates.TaskTemplates templates() {
            if ((task == null) == (templates == null)) {
                throw new UserInputException("give the prompts with exactly one of --templates TASK or --template '...{}...'");
            }
            if (task != null) {
                return ZeroShotTemplates.forTask(task);
            }
            for (String template : templates) {
                if (!template.contains("{}")) {
                    throw new UserInputException("template '" + template + "' has no {} for the class name");
                }
            }
            return new ZeroShotTemplates.TaskTemplates("user", templates, ZeroShotTemplates.Source.USER);
        }
    }
}
