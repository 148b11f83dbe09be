package amalgam.model.clip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A hand-made CLIP vocabulary for tests: every letter alone and word-final, ".", and the two special tokens. */
public final class LetterTokenizer {
    private LetterTokenizer() {
    }

    /** Writes vocab.json and merges.txt into {@code parent}/tokenizer and returns that folder. */
    public static Path write(Path parent) throws IOException {
        StringBuilder vocab = new StringBuilder("{");
        int id = 0;
        for (char c = 'a'; c <= 'z'; c++) {
            vocab.append('"').append(c).append("\":").append(id++).append(',');
            vocab.append('"').append(c).append("</w>\":").append(id++).append(',');
        }
        vocab.append("\".</w>\":").append(id).append(",\"<|startoftext|>\":98,\"<|endoftext|>\":99}");
        Path directory = Files.createDirectories(parent.resolve("tokenizer"));
        Files.writeString(directory.resolve("vocab.json"), vocab.toString());
        Files.writeString(directory.resolve("merges.txt"), "#version: 0.2\n");
        return directory;
    }
}
