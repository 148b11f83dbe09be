package amalgam.io;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a model's files are.
 *
 * @param directory the directory holding config.json and tokenizer files
 * @param files     the safetensors files, in shard order
 * @param index     the shard index, or null for a single file
 */
public record LocatedCheckpoint(Path directory, List<Path> files, ShardIndex index) {
}
