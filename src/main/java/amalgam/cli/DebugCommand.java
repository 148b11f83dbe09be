package amalgam.cli;

import amalgam.data.image.ClipImageProcessor;
import amalgam.io.CheckpointLocator;
import amalgam.io.LocatedCheckpoint;
import amalgam.io.OutputFile;
import amalgam.io.SafetensorsFile;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.io.TensorInfo;
import amalgam.model.clip.ClipForward;
import amalgam.model.lm.LmForward;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam debug ...}: tools for checking checkpoints and preprocessing against Hugging Face outputs. */
@Command(name = "debug", mixinStandardHelpOptions = true,
        description = "Parity tools: run a CLIP or language-model checkpoint, or CLIP's image preprocessing.",
        subcommands = {DebugCommand.ClipForwardCommand.class, DebugCommand.ClipPreprocessCommand.class,
                DebugCommand.LmForwardCommand.class})
final class DebugCommand extends CommandGroup {
    @Command(name = "clip-forward", mixinStandardHelpOptions = true,
            description = "CLIPModel forward: INPUTS (pixel_values, input_ids, attention_mask) -> the seven HF outputs.")
    static final class ClipForwardCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MODEL_DIR")
        Path model;

        @Parameters(index = "1", paramLabel = "INPUTS.safetensors")
        Path inputs;

        @Parameters(index = "2", paramLabel = "OUT.safetensors")
        Path output;

        @Option(names = "--threads", description = "Threads (default: all cores).")
        Integer threads;

        @Override
        public Integer call() {
            OutputFile.checkReplaceable(output, OutputFile::isAmalgamSafetensors);
            try (Arena arena = Arena.ofShared(); SafetensorsFile file = SafetensorsFile.open(inputs)) {
                write(output, ClipForward.run(model, tensors(file), arena, EngineSettings.threads(threads)));
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "lm-forward", mixinStandardHelpOptions = true,
            description = {"Language-model forward (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel,"
                    + " GPT2ForSequenceClassification): INPUTS (input_ids, attention_mask I64 [B,L]) -> logits and"
                    + " last_hidden_state (F32), as transformers computes them in float32 with positions 0..L-1.",
                    "A classifier's logits are [B,num_labels], taken at each row's last position whose mask is 1."})
    static final class LmForwardCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MODEL_DIR")
        Path model;

        @Parameters(index = "1", paramLabel = "INPUTS.safetensors")
        Path inputs;

        @Parameters(index = "2", paramLabel = "OUT.safetensors")
        Path output;

        @Option(names = "--threads", description = "Threads (default: all cores).")
        Integer threads;

        @Override
        public Integer call() {
            OutputFile.checkReplaceable(output, OutputFile::isAmalgamSafetensors);
            LocatedCheckpoint located = CheckpointLocator.locate(model);
            List<Path> read = new ArrayList<>(located.files());
            read.add(inputs);
            read.add(located.directory().resolve("config.json"));
            OutputFile.checkNotAnInput(output, read);
            try (Arena arena = Arena.ofShared(); SafetensorsFile file = SafetensorsFile.open(inputs)) {
                write(output, LmForward.run(model, tensors(file), arena, EngineSettings.threads(threads)));
            }
            return Main.EXIT_OK;
        }
    }

    private static Map<String, Tensor> tensors(SafetensorsFile file) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorInfo info : file.tensors()) {
            tensors.put(info.name(), file.tensor(info.name()));
        }
        return tensors;
    }

    @Command(name = "clip-preprocess", mixinStandardHelpOptions = true,
            description = "Hugging Face CLIPImageProcessor (slow, PIL semantics) -> pixel_values F32 [N,3,h,w].")
    static final class ClipPreprocessCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PREPROCESSOR_CONFIG.json")
        Path config;

        @Parameters(index = "1", paramLabel = "OUT.safetensors")
        Path output;

        @Parameters(index = "2..*", arity = "1..*", paramLabel = "IMAGE")
        List<Path> images = new ArrayList<>();

        @Override
        public Integer call() {
            OutputFile.checkReplaceable(output, OutputFile::isAmalgamSafetensors);
            Tensor pixels = ClipImageProcessor.fromFile(config).processBatch(images);
            write(output, Map.of("pixel_values", pixels));
            return Main.EXIT_OK;
        }
    }

    /** Writes named tensors as one safetensors file, atomically. */
    static void write(Path output, Map<String, Tensor> tensors) {
        List<TensorEntry> entries = new ArrayList<>();
        tensors.forEach((name, tensor) -> entries.add(new TensorEntry(name, tensor.dtype(), tensor.shape())));
        try (SafetensorsWriter writer = SafetensorsWriter.create(output, entries, OutputFile.safetensorsMetadata("debug"))) {
            tensors.forEach(writer::write);
            writer.commit();
        }
    }
}
