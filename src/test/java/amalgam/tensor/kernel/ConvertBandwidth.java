package amalgam.tensor.kernel;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A quick by-hand measurement (not a test, not a benchmark harness): BF16 -> F32 of a large tensor against a plain
 * {@link MemorySegment#copy} of the same number of bytes read and written. Run with
 * {@code java --add-modules=jdk.incubator.vector -cp target/classes:target/test-classes amalgam.tensor.kernel.ConvertBandwidth [GiB]}.
 */
public final class ConvertBandwidth {
    private ConvertBandwidth() {
    }

    public static void main(String[] args) {
        double gib = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        long sourceBytes = (long) (gib * (1L << 30)) & ~63L;
        long count = sourceBytes / 2;
        try (Arena arena = Arena.ofConfined()) {
            Tensor bf16 = Tensor.allocate(arena, DType.BF16, Shape.of(count));
            MemorySegment f32 = arena.allocate(count * 4, 64);
            MemorySegment copySource = arena.allocate(count * 4, 64);
            MemorySegment copyTarget = arena.allocate(count * 4, 64);
            bf16.data().fill((byte) 0x3F);
            copySource.fill((byte) 1);
            f32.fill((byte) 0);
            copyTarget.fill((byte) 0);
            for (int round = 0; round < 10; round++) {
                long start = System.nanoTime();
                Convert.toF32(bf16, f32);
                long convert = System.nanoTime() - start;
                start = System.nanoTime();
                MemorySegment.copy(copySource, 0, copyTarget, 0, count * 4);
                long copyF32 = System.nanoTime() - start;
                start = System.nanoTime();
                MemorySegment.copy(copySource, 0, copyTarget, 0, count * 2);
                long copyBf16 = System.nanoTime() - start;
                double convertTraffic = (count * 2.0 + count * 4.0) / convert;   // bytes read + written per ns = GB/s
                double copyF32Traffic = (count * 8.0) / copyF32;
                double copyBf16Traffic = (count * 4.0) / copyBf16;
                System.out.printf("round %d: bf16->f32 %.2f GB/s (%.0f ms), copy %.0f MiB %.2f GB/s, copy %.0f MiB %.2f GB/s,"
                        + " ratio vs larger copy %.2f%n", round, convertTraffic, convert / 1e6, count * 4 / 1048576.0,
                        copyF32Traffic, count * 2 / 1048576.0, copyBf16Traffic, convertTraffic / copyF32Traffic);
            }
        }
    }
}
