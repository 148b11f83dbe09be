package amalgam.testing;

import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.model.lm.LmConfig;
import amalgam.model.lm.LmForward;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The tiny language-model fixtures (lm-tiny) copied into a folder with a tokenizer, for text-level tests. */
public final class TinyLanguageModels {
    private TinyLanguageModels() {
    }

    /** Fixture {@code name} in {@code parent/name}, with a word-level tokenizer.json: word {@code wN} is id N. */
    public static Path withWordTokenizer(Path parent, String name) throws IOException {
        Path folder = Files.createDirectories(parent.resolve(name));
        try (var files = Files.list(Fixtures.path("lm-tiny/" + name))) {
            for (Path file : files.toList()) {
                Files.copy(file, folder.resolve(file.getFileName()));
            }
        }
        writeWordTokenizer(folder);
        return folder;
    }

    /** A word-level tokenizer.json in {@code modelFolder} for its config's vocabulary: word {@code wN} is id N. */
    public static void writeWordTokenizer(Path modelFolder) throws IOException {
        int vocabulary = LmConfig.read(modelFolder.resolve("config.json")).vocabSize();
        String vocab = IntStream.range(0, vocabulary).mapToObj(id -> "\"w" + id + "\": " + id).collect(Collectors.joining(", "));
        Files.writeString(modelFolder.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
                 "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {%s}, "unk_token": "w0"}}
                """.formatted(vocab));
    }

    /**
     * The logits after {@code ids} from {@code debug lm-forward}'s path (one forward, no cache): a causal LM's last
     * position row [V], a classifier's pooled scores [num_labels].
     */
    public static float[] lastLogits(Path folder, List<Long> ids) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor input = Tensor.allocate(arena, DType.I64, Shape.of(1, ids.size()));
            Tensor mask = Tensor.allocate(arena, DType.I64, Shape.of(1, ids.size()));
            for (int i = 0; i < ids.size(); i++) {
                input.data().setAtIndex(Layouts.I64, i, ids.get(i));
                mask.data().setAtIndex(Layouts.I64, i, 1L);
            }
            Tensor logits = LmForward.run(folder, new LinkedHashMap<>(Map.of("input_ids", input, "attention_mask", mask)), arena, 1)
                    .get("logits");
            long width = logits.shape().dim(logits.shape().rank() - 1);
            long base = logits.shape().rank() == 3 ? (ids.size() - 1) * width : 0;
            float[] row = new float[(int) width];
            for (int v = 0; v < width; v++) {
                row[v] = logits.getFloat(base + v);
            }
            return row;
        }
    }

    /** The first index of the largest value. */
    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The model folder's config.json and weights copied to {@code to} (a float32 single-file checkpoint), each weight
     * moved by Gaussian noise of scale 0.05 drawn from {@code seed} (0: unchanged): task models of one family.
     */
    public static Path perturbedCopy(Path from, Path to, long seed) throws IOException {
        Files.createDirectories(to);
        Files.copy(from.resolve("config.json"), to.resolve("config.json"));
        Random noise = new Random(seed);
        try (Checkpoint source = Checkpoint.open(from); Arena arena = Arena.ofConfined()) {
            List<TensorEntry> entries = source.tensors().stream().map(info -> new TensorEntry(info.name(), info.dtype(), info.shape())).toList();
            try (SafetensorsWriter writer = SafetensorsWriter.create(to.resolve("model.safetensors"), entries, SafetensorsWriter.NO_METADATA)) {
                for (TensorEntry entry : entries) {
                    Tensor tensor = Tensor.allocate(arena, DType.F32, entry.shape());
                    Tensor original = source.tensor(entry.name());
                    for (long i = 0; i < entry.shape().elementCount(); i++) {
                        tensor.setFloat(i, original.getFloat(i) + (seed == 0 ? 0 : (float) noise.nextGaussian() * 0.05f));
                    }
                    writer.write(entry.name(), tensor);
                }
                writer.commit();
            }
        }
        return to;
    }
}
