package amalgam.testing;

import amalgam.model.lm.LmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
