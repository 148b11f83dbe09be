package amalgam.model.lm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import amalgam.UserInputException;
import amalgam.io.ConfigFiles;
import amalgam.io.UserCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model's tokenizer as Hugging Face's {@code tokenizers} library encodes with it: that library itself (its Rust
 * code through DJL's Java binding, which bundles the native library), reading the model folder's
 * {@code tokenizer.json} — normalizer, pre-tokenizer, BPE / Unigram / WordPiece model, added and special tokens, and
 * the post-processor that adds BOS/EOS when special tokens are asked for. Nothing of it is re-implemented here.
 * The native library is unpacked once into amalgam's cache folder ({@code djl/}), not into {@code ~/.djl.ai}.
 */
public final class HfTokenizer implements AutoCloseable {
    /** The file a model folder holds its tokenizer in. */
    public static final String FILE = "tokenizer.json";
    private static final long MAX_BYTES = ConfigFiles.MAX_TOKENIZER_BYTES;

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /** The tokenizer of {@code modelDirectory} (its tokenizer.json), or of the tokenizer.json file itself. */
    public static HfTokenizer load(Path modelDirectoryOrFile) {
        Path file = Files.isDirectory(modelDirectoryOrFile) ? modelDirectoryOrFile.resolve(FILE) : modelDirectoryOrFile;
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("no tokenizer: '" + file + "' does not exist (a model folder needs its tokenizer.json,"
                    + " as the Hugging Face hub has it)");
        }
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new UserInputException("tokenizer '" + file + "' is " + Files.size(file) + " bytes; a tokenizer.json is at most "
                        + MAX_BYTES);
            }
        } catch (IOException e) {
            throw new UserInputException("cannot read tokenizer '" + file + "': " + e.getMessage(), e);
        }
        useAmalgamCacheForTheNativeLibrary();
        try {
            // no truncation, no padding: the caller decides lengths; special tokens only when asked per call
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false", "truncation", "false",
                    "padding", "false")), file);
        } catch (IOException | RuntimeException e) {
            throw new UserInputException("cannot read tokenizer '" + file + "': " + message(e), e);
        } catch (UnsatisfiedLinkError e) {
            throw new UserInputException("the tokenizers native library cannot be loaded on this machine (" + e.getMessage() + ")", e);
        }
    }

    /** The token ids of {@code text}; with {@code addSpecialTokens} the post-processor's BOS/EOS as the model expects. */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /**
     * The token ids of a text pair as the tokenizer encodes one (transformers' {@code tokenizer(text, text_pair)}: each
     * text tokenized alone, joined by the post-processor's pair rule; GPT-2's byte-level one simply concatenates).
     */
    public long[] encodePair(String text, String pair, boolean addSpecialTokens) {
        return tokenizer.encode(text, pair, addSpecialTokens, false).getIds();
    }

    /** The tokens of {@code text} as strings (byte-level BPE shows a leading space as Ġ, SentencePiece as ▁). */
    public List<String> tokens(String text, boolean addSpecialTokens) {
        return List.of(tokenizer.encode(text, addSpecialTokens, false).getTokens());
    }

    /** The text of {@code ids} through the tokenizer's decoder. */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static synchronized void useAmalgamCacheForTheNativeLibrary() {
        if (System.getProperty("ENGINE_CACHE_DIR") == null && System.getenv("ENGINE_CACHE_DIR") == null
                && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", UserCache.folder("djl").toString());
        }
    }

    private static String message(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
