package amalgam.model.lm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.io.ConfigFiles;
import amalgam.io.UserCache;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        // no truncation, no padding: the caller decides lengths; special tokens only when asked per call
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
        try {
            Optional<byte[]> rewritten = withConfiguredSpecialTokens(file);
            if (rewritten.isPresent()) {
                return new HfTokenizer(HuggingFaceTokenizer.newInstance(new java.io.ByteArrayInputStream(rewritten.get()), options), file);
            }
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(file, options), file);
        } catch (UserInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UserInputException("cannot read tokenizer '" + file + "': " + message(e), e);
        } catch (UnsatisfiedLinkError e) {
            throw new UserInputException("the tokenizers native library cannot be loaded on this machine (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The tokenizer.json with the post-processor transformers builds from tokenizer_config.json next to it
     * ({@link LlamaSpecialTokens}), or empty when the config asks for no change.
     */
    private static Optional<byte[]> withConfiguredSpecialTokens(Path file) throws IOException {
        Path config = file.resolveSibling(ChatTemplate.CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        ObjectMapper mapper = new ObjectMapper();
        JsonNode tokenizerConfig;
        try {
            tokenizerConfig = mapper.readTree(ConfigFiles.readText(CacheLinks.resolve(config), "tokenizer config"));
        } catch (IOException e) {
            throw new UserInputException("cannot read '" + config + "' (not JSON?): " + e.getMessage(), e);
        }
        if (!LlamaSpecialTokens.CLASSES.contains(tokenizerConfig.path("tokenizer_class").asText(""))) {
            return Optional.empty();
        }
        JsonNode tokenizer = mapper.readTree(CacheLinks.resolve(file).toFile());
        Optional<ObjectNode> processor = LlamaSpecialTokens.postProcessor(tokenizerConfig, tokenizer, "'" + config + "'");
        if (processor.isEmpty() || !(tokenizer instanceof ObjectNode root)) {
            return Optional.empty();
        }
        root.set("post_processor", processor.get());
        return Optional.of(mapper.writeValueAsBytes(root));
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
