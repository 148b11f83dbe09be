package amalgam.io;

import amalgam.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resolves a model reference: a {@code .safetensors} file; a directory with {@code model.safetensors.index.json}
 * (preferred) or {@code model.safetensors} (or else exactly one {@code *.safetensors}); or a Hugging Face cache
 * repo directory ({@code models--ORG--NAME}, whose {@code refs/main} names the snapshot under {@code snapshots/}).
 */
public final class CheckpointLocator {
    private static final String SINGLE_FILE = "model.safetensors";
    private static final String TORCH_FILE = "pytorch_model.bin";
    private static final String TORCH_INDEX = "pytorch_model.bin.index.json";

    private CheckpointLocator() {
    }

    public static LocatedCheckpoint locate(Path reference) {
        if (Files.isRegularFile(reference)) {
            String fileName = reference.getFileName().toString();
            if (fileName.equals(ShardIndex.FILE_NAME) || fileName.equals(TORCH_INDEX)) {
                return sharded(reference.toAbsolutePath().getParent(), fileName);
            }
            return new LocatedCheckpoint(reference.toAbsolutePath().getParent(), List.of(reference), null);
        }
        if (!Files.isDirectory(reference)) {
            throw new UserInputException("model '" + reference + "' not found (no such file or directory)");
        }
        Path directory = HubCache.isRepoFolder(reference) ? HubCache.snapshotOf(reference, "main") : reference;
        if (Files.isRegularFile(directory.resolve(ShardIndex.FILE_NAME))) {
            return sharded(directory, ShardIndex.FILE_NAME);
        }
        if (Files.isRegularFile(directory.resolve(SINGLE_FILE))) {
            return new LocatedCheckpoint(directory, List.of(CacheLinks.resolve(directory.resolve(SINGLE_FILE))), null);
        }
        List<Path> candidates = safetensorsFiles(directory);
        if (candidates.size() == 1) {
            return new LocatedCheckpoint(directory, List.of(CacheLinks.resolve(candidates.getFirst())), null);
        }
        // as transformers and mergekit: PyTorch weights only when there are no safetensors
        if (candidates.isEmpty() && Files.isRegularFile(directory.resolve(TORCH_INDEX))) {
            return sharded(directory, TORCH_INDEX);
        }
        if (candidates.isEmpty() && Files.isRegularFile(directory.resolve(TORCH_FILE))) {
            return new LocatedCheckpoint(directory, List.of(CacheLinks.resolve(directory.resolve(TORCH_FILE))), null);
        }
        throw new UserInputException("model directory '" + reference + "' holds no " + SINGLE_FILE + ", "
                + ShardIndex.FILE_NAME + ", " + TORCH_FILE + " or " + TORCH_INDEX + (candidates.isEmpty() ? "" : " (and "
                + candidates.size() + " other .safetensors files, so which one is meant is unclear)"));
    }

    private static LocatedCheckpoint sharded(Path directory, String indexName) {
        ShardIndex index = ShardIndex.read(CacheLinks.resolve(directory.resolve(indexName)));
        List<Path> files = index.shardFiles().stream().map(directory::resolve).map(CacheLinks::resolve).toList();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new UserInputException("shard '" + file.getFileName() + "' listed in '"
                        + directory.resolve(indexName) + "' is missing");
            }
        }
        return new LocatedCheckpoint(directory, files, index);
    }

    private static List<Path> safetensorsFiles(Path directory) {
        try (Stream<Path> children = Files.list(directory)) {
            return children.filter(p -> p.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UserInputException("cannot list '" + directory + "': " + e.getMessage(), e);
        }
    }
}
