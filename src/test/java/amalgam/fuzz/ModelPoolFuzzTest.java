package amalgam.fuzz;

import amalgam.UserInputException;
import amalgam.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * FusionBench model pools through the CLI, {@code amalgam --debug run modelpool=FILE taskpool=dummy
 * method=simple_average}, over three
 * one-tensor models the harness writes beside the pool: exit 0 or 2 is fine, exit 1 (an internal error) a finding.
 */
class ModelPoolFuzzTest extends FuzzTargetTest {
    static final FuzzTarget TARGET = new FuzzTarget("model-pool", "pool.yaml", true, YamlWords.with("models:\n",
        "_pretrained_: ", "_merged_: ", "models/base", "models/a", "models/b", "models", "models/a/model.safetensors", ".",
        "pretrained_model_name_or_path: ", "_target_: ", "org/name", "${..suffix}", "${paths.base}", "${modelpool.paths.b}"),
        ModelPoolFuzzTest::run).withMaxSize(64 << 10).withSetUp(ModelPoolFuzzTest::writeModels);

    static void writeModels(Path directory) throws Exception {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        for (String model : new String[] {"base", "a", "b"}) {
            ByteBuffer file = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            file.putLong(json.length).put(json).putFloat(model.length()).putFloat(model.hashCode() % 7);
            Files.write(Files.createDirectories(directory.resolve("models").resolve(model)).resolve("model.safetensors"), file.array());
        }
    }

    static void run(Path pool) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"--debug", "run", "modelpool=" + pool, "taskpool=dummy", "method=simple_average", "--threads", "1"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        if (code == Main.EXIT_USER) {
            throw new UserInputException(err.toString());
        }
        if (code != Main.EXIT_OK) {
            throw new FuzzHarness.CliInternalError("exit " + code + "\n" + err);
        }
    }

    @Override
    FuzzTarget target() {
        return TARGET;
    }
}
