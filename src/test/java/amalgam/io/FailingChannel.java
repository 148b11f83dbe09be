package amalgam.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file channel over a real file that fails the way a full (or read-only, or over-quota) disk does: writes past
 * {@code capacity} bytes, or {@code force}, throw an {@link IOException} with the C library's message.
 */
final class FailingChannel extends FileChannel {
    private final FileChannel file;
    private final long capacity;
    private final boolean failForce;
    private final String message;

    private FailingChannel(FileChannel file, long capacity, boolean failForce, String message) {
        this.file = file;
        this.capacity = capacity;
        this.failForce = failForce;
        this.message = message;
    }

    /** A channel whose writes fail with {@code message} once {@code capacity} bytes are written. */
    static FailingChannel fullAfter(Path path, long capacity, String message) throws IOException {
        return new FailingChannel(FileChannel.open(path, StandardOpenOption.WRITE), capacity, false, message);
    }

    /** A channel that takes every write and fails when forced (a disk that allocates late, such as NFS). */
    static FailingChannel failingForce(Path path, String message) throws IOException {
        return new FailingChannel(FileChannel.open(path, StandardOpenOption.WRITE), Long.MAX_VALUE, true, message);
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        long room = capacity - file.position();
        if (room <= 0) {
            throw new IOException(message);
        }
        if (source.remaining() > room) {
            ByteBuffer part = source.slice(source.position(), (int) room);
            int written = file.write(part);
            source.position(source.position() + written);
            return written;
        }
        return file.write(source);
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (failForce) {
            throw new IOException(message);
        }
        file.force(metaData);
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
        return file.read(destination);
    }

    @Override
    public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
        return file.read(destinations, offset, length);
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        throw new IOException(message);
    }

    @Override
    public long position() throws IOException {
        return file.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        file.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        file.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return file.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
        throw new IOException(message);
    }

    @Override
    public int read(ByteBuffer destination, long position) throws IOException {
        return file.read(destination, position);
    }

    @Override
    public int write(ByteBuffer source, long position) throws IOException {
        throw new IOException(message);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return file.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return file.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return file.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }
}
