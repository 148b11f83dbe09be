package amalgam.model.clip;

import amalgam.UserInputException;
import amalgam.io.Checkpoint;
import amalgam.io.CheckpointLocator;
import amalgam.io.FileDigests;
import amalgam.io.OutputFile;
import amalgam.io.SafetensorsFile;
import amalgam.io.UserCache;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.parallel.Parallel;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Zero-shot heads built from a pretrained CLIPModel ({@link ZeroShotHead#build}) and kept in the user cache
 * ({@code heads/KEY.safetensors}), so that a task pool naming the same model, templates and classes again does not
 * re-encode every prompt. The key is the SHA-256 of everything a head depends on: the checkpoint's file digests (the
 * text tower and projection are in them), {@code config.json}, the tokenizer files, the templates and the class
 * names. A head file appears whole or not at all (written under a temporary name, then renamed); one that no longer
 * opens, or whose class count is off, is built again.
 */
public final class ZeroShotHeadCache {
    /** Bump when the way heads are built changes, so older cached heads are not used. */
    private static final String FORMAT = "amalgam zero-shot head 1";
    private static final List<String> TOKENIZER_FILES = List.of("vocab.json", "merges.txt", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One head to provide.
     *
     * @param task       names the head in messages
     * @param classNames in label order
     * @param templates  the prompts, each with one {@code {}}
     */
    public record Request(String task, List<String> classNames, ZeroShotTemplates.TaskTemplates templates) {
        public Request {
            classNames = List.copyOf(classNames);
            if (classNames.isEmpty()) {
                throw new UserInputException("task '" + task + "' has no class names for its zero-shot head");
            }
        }
    }

    /** A provided head: its file, and whether this call built it (false: it came from the cache). */
    public record CachedHead(Path file, boolean built) {
    }

    private final Path folder;

    /** Heads kept in {@code folder}. */
    public ZeroShotHeadCache(Path folder) {
        this.folder = folder;
    }

    /** Heads kept in the user cache's {@code heads} folder. */
    public static ZeroShotHeadCache standard() {
        return new ZeroShotHeadCache(UserCache.folder("heads"));
    }

    /**
     * The head file of every request, in order: from the cache when there, else built from the CLIPModel in
     * {@code clipModel} (its directory or hub cache repo folder: config.json, weights with the text tower, tokenizer
     * files) with {@code threads} threads, loading the model once for all missing heads.
     */
    public List<CachedHead> heads(Path clipModel, List<Request> requests, int threads) {
        Path directory = CheckpointLocator.locate(clipModel).directory();
        String modelIdentity = modelIdentity(directory);
        List<Path> files = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Path file = folder.resolve(key(modelIdentity, requests.get(i)) + ".safetensors");
            files.add(file);
            if (!isUsable(file, requests.get(i).classNames().size())) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            build(directory, requests, files, missing, threads);
        }
        List<CachedHead> heads = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            heads.add(new CachedHead(files.get(i), missing.contains(i)));
        }
        return heads;
    }

    private static void build(Path directory, List<Request> requests, List<Path> files, List<Integer> missing, int threads) {
        ClipConfig config = ClipConfig.read(directory.resolve("config.json"));
        if (config.text() == null) {
            throw new UserInputException("'" + directory + "' is a vision-only checkpoint; zero-shot heads need a CLIPModel"
                    + " with its text tower");
        }
        ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(directory);
        ClipModel model = new ClipModel(config);
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(directory);
             Parallel parallel = new Parallel(Math.max(1, threads)); Graph graph = Graph.inference(parallel)) {
            Parameters params = ClipWeights.load(checkpoint, config, true, arena);
            for (int i : missing) {
                Request request = requests.get(i);
                SequencedMap<String, String> metadata = new LinkedHashMap<>(OutputFile.safetensorsMetadata("zero-shot head"));
                metadata.put("task", request.task());
                try (Arena headArena = Arena.ofConfined()) {
                    ZeroShotHead.build(model, params, tokenizer, request.classNames(), request.templates(), graph, headArena)
                            .save(files.get(i), metadata);
                }
            }
        }
    }

    /** Whether a cached head opens and has one row per class. */
    private static boolean isUsable(Path file, int classes) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (SafetensorsFile stored = SafetensorsFile.open(file)) {
            return stored.find("logit_scale").isPresent() && stored.find("weight").map(info -> info.shape().rank() == 2
                    && info.shape().dim(0) == classes).orElse(false);
        } catch (RuntimeException damaged) {
            return false; // a damaged cache entry is rebuilt, which replaces it
        }
    }

    /** The checkpoint's weight files by content, config.json and the tokenizer files, by SHA-256. */
    private static String modelIdentity(Path directory) {
        FileDigests digests = FileDigests.standard();
        List<FileDigests.FileDigest> parts = new ArrayList<>();
        CheckpointLocator.locate(directory).files().forEach(file -> parts.add(digests.of(file)));
        List<String> described = new ArrayList<>(List.of("config.json"));
        described.addAll(TOKENIZER_FILES);
        for (String name : described) {
            Path file = directory.resolve(name);
            if (Files.isRegularFile(file)) {
                parts.add(digests.of(file));
            }
        }
        return FileDigests.combined(parts);
    }

    private static String key(String modelIdentity, Request request) {
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("format", FORMAT);
        inputs.put("model", modelIdentity);
        inputs.put("templates", request.templates().templates());
        inputs.put("classes", request.classNames());
        try {
            byte[] canonical = JSON.writeValueAsString(inputs).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
