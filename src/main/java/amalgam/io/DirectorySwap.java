package amalgam.io;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Exchanges two directory entries in one atomic step (Linux {@code renameat2} with {@code RENAME_EXCHANGE}), so
 * replacing an earlier output never passes through a moment where the path holds nothing. Where the call or the
 * file system does not offer it, {@link #exchange} says so and the caller falls back to two renames.
 */
final class DirectorySwap {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 2;
    private static final Optional<Native> NATIVE = Native.find();

    private DirectorySwap() {
    }

    /** Swaps {@code a} and {@code b} atomically; false when this system cannot (nothing was changed then). */
    static boolean exchange(Path a, Path b) {
        if (NATIVE.isEmpty()) {
            return false;
        }
        return NATIVE.get().exchange(a.toString(), b.toString());
    }

    private record Native(MethodHandle renameat2, StructLayout callState, VarHandle errno) {
        static Optional<Native> find() {
            try {
                Linker linker = Linker.nativeLinker();
                Optional<MemorySegment> symbol = linker.defaultLookup().find("renameat2");
                if (symbol.isEmpty()) {
                    return Optional.empty();
                }
                Linker.Option capture = Linker.Option.captureCallState("errno");
                StructLayout state = Linker.Option.captureStateLayout();
                MethodHandle handle = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                        capture);
                VarHandle errno = state.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                return Optional.of(new Native(handle, state, errno));
            } catch (RuntimeException | LinkageError unavailable) {
                // not Linux, or native access not granted: two renames will do
                return Optional.empty();
            }
        }

        boolean exchange(String a, String b) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(callState);
                int result = (int) renameat2.invokeExact(state, AT_FDCWD, arena.allocateFrom(a), AT_FDCWD,
                        arena.allocateFrom(b), RENAME_EXCHANGE);
                if (result == 0) {
                    return true;
                }
                int error = (int) errno.get(state, 0L);
                if (error == 22 || error == 38 || error == 95) { // EINVAL, ENOSYS, EOPNOTSUPP: not offered here
                    return false;
                }
                throw new java.io.UncheckedIOException(new java.io.IOException(
                        "cannot exchange " + a + " and " + b + " (errno " + error + ")"));
            } catch (java.io.UncheckedIOException e) {
                throw e;
            } catch (Throwable e) {
                return false;
            }
        }
    }
}
