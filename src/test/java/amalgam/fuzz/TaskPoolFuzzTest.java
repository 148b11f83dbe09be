package amalgam.fuzz;

import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.YamlDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Task pool YAML read as {@code amalgam run taskpool=FILE} reads it (YAML, references resolved, then the pool with
 * its image folders listed and its files hashed), over image folders and heads the harness writes beside it.
 */
class TaskPoolFuzzTest extends FuzzTargetTest {
    static final FuzzTarget TARGET = new FuzzTarget("task-pool", "taskpool.yaml", true, YamlWords.with("tasks:\n",
        "data: ", "head: ", "preprocessor: ", "batch_size: ", "images", "images/digits", "images/shapes", "heads",
        "heads/digits.safetensors", "preprocessor_config.json", ".", "${..digits.data}", "${.folder}"),
        TaskPoolFuzzTest::read).withMaxSize(64 << 10).withSetUp(TaskPoolFuzzTest::writeFolders);

    static void writeFolders(Path directory) throws Exception {
        for (String task : new String[] {"digits", "shapes"}) {
            for (String label : new String[] {"0", "1"}) {
                Files.write(Files.createDirectories(directory.resolve("images").resolve(task).resolve(label)).resolve("x.png"),
                        new byte[] {(byte) 0x89, 'P', 'N', 'G'});
            }
            Files.write(Files.createDirectories(directory.resolve("heads")).resolve(task + ".safetensors"), new byte[16]);
        }
        Files.writeString(directory.resolve("preprocessor_config.json"), "{\"crop_size\": 8}");
    }

    static void read(Path file) {
        Object document = YamlDocuments.read(file, "task pool");
        ImageTaskPool pool = ImageTaskPool.fromDocument(document, file);
        for (String task : pool.taskNames()) {
            pool.identity(task);
        }
    }

    @Override
    FuzzTarget target() {
        return TARGET;
    }
}
