package amalgam.fusion;

import amalgam.fusion.taskpool.ImageTaskPool;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The embedded benchmark as a run sees it: the name that selects it ({@code modelpool=NAME}, {@code taskpool=NAME}),
 * its model pool file and its task pool, both made only when asked for. A run without a model pool uses it, with
 * reference rows on by default.
 */
public record BuiltInPools(String name, Supplier<Path> modelPoolFile, Supplier<ImageTaskPool> taskPool) {
}
