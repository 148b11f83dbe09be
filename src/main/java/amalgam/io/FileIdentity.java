package amalgam.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What identifies a file's contents without reading them: size, modification time and, where the file system has
 * them, change time and inode. A file written in place changes size or times; a file replaced by a rename changes
 * inode. Symbolic links are followed (a Hugging Face cache snapshot links to its blobs).
 *
 * @param size     bytes
 * @param modified modification time, as the file system reports it
 * @param changed  change time ({@code unix:ctime}), or null where there is none
 * @param inode    inode ({@code unix:ino}) or the file key, or null where there is none
 */
public record FileIdentity(long size, Object modified, Object changed, Object inode) {
    /** The identity of {@code file} now. */
    public static FileIdentity of(Path file) throws IOException {
        try {
            Map<String, Object> unix = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino");
            return new FileIdentity((Long) unix.get("size"), unix.get("lastModifiedTime"), unix.get("ctime"), unix.get("ino"));
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            BasicFileAttributes basic = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileIdentity(basic.size(), basic.lastModifiedTime(), null, basic.fileKey());
        }
    }

    /**
     * How {@code file} differs from this identity now ("it was 1024 bytes, now 16"), or empty if it does not. A
     * deleted file does not count: a mapping keeps the deleted file's bytes, so what was read is what was hashed
     * (a test's temporary folder removed while a mapping of it leaks is not a change either).
     */
    public Optional<String> changeOf(Path file) {
        FileIdentity now;
        try {
            now = of(file);
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException unreadable) {
            return Optional.of("it cannot be read any more (" + AtomicFiles.describe(unreadable) + ")");
        }
        if (!Objects.equals(inode, now.inode)) {
            return Optional.of("it was replaced by another file" + sizes(now));
        }
        if (size != now.size) {
            return Optional.of("it was " + size + " bytes, now " + now.size + (now.size < size ? " (truncated)" : ""));
        }
        if (!Objects.equals(modified, now.modified) || !Objects.equals(changed, now.changed)) {
            return Optional.of("it was written to (modification time " + modified + ", now " + now.modified + ")");
        }
        return Optional.empty();
    }

    private String sizes(FileIdentity now) {
        return size == now.size ? "" : " (" + size + " bytes, now " + now.size + ")";
    }
}
