package amalgam.io;

import amalgam.UserInputException;
import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model checkpoint: one weights file (safetensors, or a PyTorch {@code .bin}) or a sharded set, every file mapped once. Tensor names are unique
 * across shards and, for a sharded checkpoint, each tensor lives in the shard its index names.
 */
public final class Checkpoint implements AutoCloseable {
    private final String displayName;
    private final LocatedCheckpoint located;
    private final List<TensorFile> files;
    private final Map<String, TensorFile> fileOf = new HashMap<>();
    private final List<TensorInfo> tensors = new ArrayList<>();

    private Checkpoint(String displayName, LocatedCheckpoint located, List<TensorFile> files) {
        this.displayName = displayName;
        this.located = located;
        this.files = files;
        for (int shard = 0; shard < files.size(); shard++) {
            TensorFile file = files.get(shard);
            String shardName = located.index() == null ? null : located.index().shardFiles().get(shard);
            for (TensorInfo info : file.tensors()) {
                String where = "'" + file.path() + "'";
                if (fileOf.put(info.name(), file) != null) {
                    throw new UserInputException("tensor '" + info.name() + "' appears in more than one shard of '"
                            + displayName + "' (again in " + where + ")");
                }
                if (located.index() != null) {
                    String listed = located.index().weightMap().get(info.name());
                    if (!shardName.equals(listed)) {
                        throw new UserInputException("tensor '" + info.name() + "' is in shard " + where + " but the index "
                                + (listed == null ? "does not list it" : "maps it to '" + listed + "'"));
                    }
                }
                tensors.add(info);
            }
        }
        if (located.index() != null) {
            for (var entry : located.index().weightMap().entrySet()) {
                if (!fileOf.containsKey(entry.getKey())) {
                    throw new UserInputException("tensor '" + entry.getKey() + "' listed in the index of '" + displayName
                            + "' is missing from shard '" + entry.getValue() + "'");
                }
            }
        }
        tensors.sort(Comparator.comparing(TensorInfo::name));
    }

    /** Opens a model reference (file, directory, sharded directory, or Hugging Face cache repo). */
    public static Checkpoint open(Path reference) {
        LocatedCheckpoint located = CheckpointLocator.locate(reference);
        List<TensorFile> files = new ArrayList<>();
        try {
            for (Path file : located.files()) {
                files.add(TensorFile.open(file));
            }
            return new Checkpoint(reference.toString(), located, files);
        } catch (RuntimeException e) {
            files.forEach(TensorFile::close);
            throw e;
        }
    }

    /** The directory holding config.json and tokenizer files. */
    public Path directory() {
        return located.directory();
    }

    public String displayName() {
        return displayName;
    }

    public List<Path> files() {
        return located.files();
    }

    /** Every tensor, sorted by name. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    public TensorInfo info(String name) {
        return require(name).find(name).orElseThrow();
    }

    /** The tensor; its file is checked first for a truncation that would make reading it fault. */
    public Tensor tensor(String name) {
        TensorFile file = require(name);
        MappedInputs.requireIntact(file.path());
        return file.tensor(name);
    }

    /** Maps the tensor's pages ahead of a full read. */
    public void prefetch(String name) {
        TensorFile file = require(name);
        MappedInputs.requireIntact(file.path());
        file.prefetch(name);
    }

    public void release(String name) {
        require(name).release(name);
    }

    /** The {@code __metadata__} of the first file. */
    public Map<String, String> metadata() {
        return files.isEmpty() ? Map.of() : files.getFirst().metadata();
    }

    private TensorFile require(String name) {
        TensorFile file = fileOf.get(name);
        if (file == null) {
            throw new UserInputException("tensor '" + name + "' is missing from model '" + displayName + "'");
        }
        return file;
    }

    @Override
    public void close() {
        files.forEach(TensorFile::close);
    }
}
