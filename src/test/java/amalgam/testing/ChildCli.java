package amalgam.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI as a child process (its own JVM, its own pid to kill), with this test's class path, installation root and
 * caches; its standard output and error go to {@code NAME.out} and {@code NAME.err} in {@code logs}.
 */
public final class ChildCli {
    private ChildCli() {
    }

    public static Process start(Path logs, String name, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-Damalgam.home=" + System.getProperty("amalgam.home", "."),
                "-Damalgam.cache=" + System.getProperty("amalgam.cache", logs.resolve("cache").toString()),
                "-Damalgam.data=" + System.getProperty("amalgam.data", logs.resolve("data").toString()),
                "-cp", System.getProperty("java.class.path"), "amalgam.cli.Main"));
        command.addAll(List.of(arguments));
        Files.createDirectories(logs);
        return new ProcessBuilder(command).redirectOutput(logs.resolve(name + ".out").toFile())
                .redirectError(logs.resolve(name + ".err").toFile()).start();
    }

    public static String out(Path logs, String name) throws IOException {
        return Files.readString(logs.resolve(name + ".out"));
    }

    public static String err(Path logs, String name) throws IOException {
        return Files.readString(logs.resolve(name + ".err"));
    }
}
