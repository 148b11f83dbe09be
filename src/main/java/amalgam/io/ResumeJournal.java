package amalgam.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * How far a model's weights are safely on disk, so a killed merge started again with the same arguments resumes
 * there: a small append-only file in the model's staging folder. Its first line is the key of the planned output
 * (every shard's header, which holds the method, parameters, inputs' digests and seed); each later line is a point
 * known durable — tensors done in plan order, the shard being written and its bytes forced so far. A torn last
 * line (a kill while appending) is ignored. {@link OutputDirectory#publish} removes the journals.
 */
public final class ResumeJournal implements AutoCloseable {
    /** The journal's file name in a model's folder. */
    public static final String FILE_NAME = ".amalgam-journal";
    private static final String MAGIC = "amalgam-journal 1";

    private final FileChannel channel;

    /**
     * A point known durable.
     *
     * @param tensors tensors done, in plan order
     * @param shard   the shard being written (every earlier one is complete under its final name)
     * @param bytes   bytes of that shard forced to disk (header included; 0 = start it again)
     */
    public record Point(int tensors, int shard, long bytes) {
        static final Point START = new Point(0, 0, 0);
    }

    private ResumeJournal(FileChannel channel) {
        this.channel = channel;
    }

    /** Where an earlier run with this key got to in {@code directory} ({@link Point#START} for another key or none). */
    static Point resumePoint(Path directory, String key) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Point.START;
        }
        try {
            if (Files.size(file) > (1L << 26)) {
                return Point.START;
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || !lines.get(0).equals(MAGIC) || !lines.get(1).equals("key " + key)) {
                return Point.START;
            }
            Point point = Point.START;
            for (String line : lines.subList(2, lines.size())) {
                String[] words = line.split(" ");
                if (words.length == 5 && words[0].equals("durable") && words[4].equals(".")) {
                    point = new Point(Integer.parseInt(words[1]), Integer.parseInt(words[2]), Long.parseLong(words[3]));
                }
            }
            return point;
        } catch (IOException | RuntimeException unreadable) {
            return Point.START; // a damaged journal only costs the work it recorded
        }
    }

    /** Starts the journal anew for {@code key}, or goes on appending to one that already has it. */
    static ResumeJournal open(Path directory, String key, boolean continuing) {
        Path file = directory.resolve(FILE_NAME);
        try {
            if (!continuing) {
                Files.deleteIfExists(file);
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            ResumeJournal journal = new ResumeJournal(channel);
            if (!continuing) {
                journal.append(MAGIC + "\nkey " + key + "\n");
            }
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the resume journal in " + directory + ": " + AtomicFiles.describe(e), e);
        }
    }

    /** Records a durable point (the data it names must already be forced to disk). */
    synchronized void record(Point point) {
        append("durable " + point.tensors() + " " + point.shard() + " " + point.bytes() + " .\n");
    }

    private synchronized void append(String text) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the resume journal: " + AtomicFiles.describe(e), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // appended records are forced as they are written
        }
    }
}
