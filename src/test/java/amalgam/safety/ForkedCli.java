package amalgam.safety;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the CLI in a JVM of its own (a fresh start: its own hash seeds, its own process to kill). */
final class ForkedCli {
    private ForkedCli() {
    }

    /** Starts {@code amalgam ARGS} in {@code workingDirectory}, its output going to files in {@code logs}. */
    static Process start(Path workingDirectory, Path logs, String... args) throws IOException {
        return start(List.of(), workingDirectory, logs, args);
    }

    /** As {@link #start(Path, Path, String...)}, with further JVM options (system properties). */
    static Process start(List<String> jvmOptions, Path workingDirectory, Path logs, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-XX:TieredStopAtLevel=1", "-Damalgam.cache=" + System.getProperty("amalgam.cache", logs.resolve("cache").toString()),
                "-Damalgam.data=" + System.getProperty("amalgam.data", logs.resolve("data").toString()),
                "-cp", System.getProperty("java.class.path"), "amalgam.cli.Main"));
        command.addAll(List.of(args));
        Files.createDirectories(logs);
        return new ProcessBuilder(command).directory(workingDirectory.toFile())
                .redirectOutput(logs.resolve("out.txt").toFile()).redirectError(logs.resolve("err.txt").toFile()).start();
    }

    /** Runs it to the end (at most two minutes) and returns the exit code. */
    static int run(Path workingDirectory, Path logs, String... args) throws IOException, InterruptedException {
        return run(List.of(), workingDirectory, logs, args);
    }

    static int run(List<String> jvmOptions, Path workingDirectory, Path logs, String... args) throws IOException, InterruptedException {
        Process process = start(jvmOptions, workingDirectory, logs, args);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("amalgam " + String.join(" ", args) + " did not finish in two minutes");
        }
        return process.exitValue();
    }

    static String err(Path logs) throws IOException {
        return Files.readString(logs.resolve("err.txt"));
    }
}
