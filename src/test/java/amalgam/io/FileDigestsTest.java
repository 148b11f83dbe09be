package amalgam.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDigestsTest {
    @TempDir
    Path temp;

    @Test
    void knownVectors() throws IOException {
        FileDigests digests = new FileDigests(null);
        // FIPS 180-2 examples: "abc", the empty message and one million 'a'
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                digests.of(Files.writeString(temp.resolve("abc"), "abc")).sha256());
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                digests.of(Files.writeString(temp.resolve("empty"), "")).sha256());
        FileDigests.FileDigest million = digests.of(Files.writeString(temp.resolve("a"), "a".repeat(1_000_000)));
        assertEquals("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", million.sha256());
        assertEquals(1_000_000, million.bytes());
        assertEquals("a", million.file());
    }

    @Test
    void filesLargerThanTheReadBufferHashAsOneMessage() throws Exception {
        byte[] bytes = new byte[(5 << 20) / 2 + 13];
        new SplittableRandom(1).nextBytes(bytes);
        Path file = Files.write(temp.resolve("big.safetensors"), bytes);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertEquals(expected, new FileDigests(null).of(file).sha256());
    }

    @Test
    void parallelHashingKeepsTheFileOrder() throws IOException {
        List<Path> files = Stream.of("one", "two", "three", "four", "five")
                .map(text -> write(temp.resolve(text + ".bin"), text.repeat(1000))).toList();
        FileDigests digests = new FileDigests(temp.resolve("cache"));
        List<FileDigests.FileDigest> parallel;
        List<FileDigests.FileDigest> sequential;
        try (amalgam.parallel.Workers two = new amalgam.parallel.Workers(2); amalgam.parallel.Workers one = new amalgam.parallel.Workers(1)) {
            parallel = digests.of(files, two);
            sequential = new FileDigests(null).of(files, one);
        }
        assertEquals(sequential, parallel);
        assertEquals(List.of("one.bin", "two.bin", "three.bin", "four.bin", "five.bin"),
                parallel.stream().map(FileDigests.FileDigest::file).toList());
    }

    @Test
    void aRememberedDigestIsUsedUntilTheFileChanges() throws IOException {
        Path cache = temp.resolve("cache");
        Path file = write(temp.resolve("model.safetensors"), "first contents");
        FileDigests digests = new FileDigests(cache);
        String first = digests.of(file).sha256();
        List<Path> entries = entries(cache);
        assertEquals(1, entries.size());

        // plant another digest for the same identity: it is returned, so the file was not read again
        String planted = "0".repeat(64);
        String entry = Files.readString(entries.getFirst());
        Files.writeString(entries.getFirst(), planted + entry.substring(64));
        assertEquals(planted, digests.of(file).sha256());

        // new contents (other size) are hashed afresh
        write(file, "second, longer contents");
        assertEquals(new FileDigests(null).of(file).sha256(), digests.of(file).sha256());
        assertNotEquals(first, digests.of(file).sha256());
    }

    @Test
    void sameSizeRewriteWithTheOldModificationTimeIsStillNoticed() throws IOException {
        Path file = write(temp.resolve("model.safetensors"), "abc");
        FileDigests digests = new FileDigests(temp.resolve("cache"));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", digests.of(file).sha256());
        FileTime modified = Files.getLastModifiedTime(file);
        write(file, "abd");
        Files.setLastModifiedTime(file, modified);
        // the change time moved even though the size and modification time are the old ones
        assertEquals(new FileDigests(null).of(file).sha256(), digests.of(file).sha256());
    }

    @Test
    void damagedOrUnwritableCacheEntriesAreIgnored() throws IOException {
        Path cache = temp.resolve("cache");
        Path file = write(temp.resolve("model.safetensors"), "abc");
        FileDigests digests = new FileDigests(cache);
        digests.of(file);
        Files.writeString(entries(cache).getFirst(), "not a digest\n");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", digests.of(file).sha256());

        Path notAFolder = Files.writeString(temp.resolve("plain-file"), "x");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                new FileDigests(notAFolder).of(file).sha256());
    }

    @Test
    void combinedIdentityDependsOnNamesDigestsAndOrder() {
        FileDigests.FileDigest a = new FileDigests.FileDigest("a", 1, "1".repeat(64));
        FileDigests.FileDigest b = new FileDigests.FileDigest("b", 1, "2".repeat(64));
        FileDigests.FileDigest renamed = new FileDigests.FileDigest("c", 1, "2".repeat(64));
        String ab = FileDigests.combined(List.of(a, b));
        assertTrue(ab.startsWith("sha256:") && ab.length() == 7 + 64, ab);
        assertEquals(ab, FileDigests.combined(List.of(a, b)));
        assertNotEquals(ab, FileDigests.combined(List.of(b, a)));
        assertNotEquals(ab, FileDigests.combined(List.of(a, renamed)));
    }

    private static List<Path> entries(Path cache) throws IOException {
        try (Stream<Path> listed = Files.list(cache)) {
            return listed.filter(path -> !path.getFileName().toString().startsWith(".")).toList();
        }
    }

    private static Path write(Path file, String text) {
        try {
            return Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
