package amalgam.bench;

import amalgam.io.SafetensorsFile;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code amalgam bench io}: reading mapped tensors and converting BF16 to F32, next to a plain memory copy of the
 * same size measured in the same run. Bytes moved count reads plus writes, so a copy of N bytes moves 2N.
 */
public final class IoBenchmark {
    private final long tensorBytes;
    private final int repetitions;
    private final Path directory;

    public IoBenchmark(long tensorBytes, int repetitions, Path directory) {
        this.tensorBytes = tensorBytes;
        this.repetitions = repetitions;
        this.directory = directory;
    }

    public void run(PrintWriter out) throws Exception {
        Path file = Files.createTempFile(directory, "amalgam-bench-io-", ".safetensors");
        try (Arena arena = Arena.ofConfined()) {
            long elements = tensorBytes / 2;
            writeBf16File(file, elements);
            MemorySegment source = arena.allocate(tensorBytes, 64);
            MemorySegment target = arena.allocate(tensorBytes, 64);
            source.fill((byte) 0x3F);
            double copySeconds = Stopwatch.best(repetitions, () -> target.copyFrom(source));
            double copyRate = Stopwatch.gigabytesPerSecond(2.0 * tensorBytes, copySeconds);

            try (SafetensorsFile mapped = SafetensorsFile.open(file)) {
                Tensor bf16 = mapped.tensor("weight");
                long[] sink = new long[1];
                double readSeconds = Stopwatch.best(repetitions, () -> {
                    mapped.prefetch("weight");
                    sink[0] ^= ReadProbe.xorFold(bf16.data());
                });
                double readRate = Stopwatch.gigabytesPerSecond(tensorBytes, readSeconds);

                MemorySegment converted = arena.allocate(elements * Float.BYTES, 64);
                double convertSeconds = Stopwatch.best(repetitions, () -> Convert.toF32(bf16, converted));
                double convertRate = Stopwatch.gigabytesPerSecond(tensorBytes + elements * 4.0, convertSeconds);
                if (converted.get(ValueLayout.JAVA_FLOAT, 0) != bf16.getFloat(0)) {
                    throw new IllegalStateException("conversion check failed");
                }

                out.printf("amalgam bench io: %s tensor (%d BF16 elements), best of %d%n",
                        human(tensorBytes), elements, repetitions);
                out.printf("  memory copy (baseline)    %7.2f GB/s moved   1.00 x copy%n", copyRate);
                out.printf("  mapped tensor read        %7.2f GB/s read    %4.2f x copy (reads only; copy moves 2 bytes per byte)%n",
                        readRate, readRate / copyRate);
                out.printf("  BF16 -> F32 conversion    %7.2f GB/s moved   %4.2f x copy (%.2f GB/s of BF16 input)%n",
                        convertRate, convertRate / copyRate, Stopwatch.gigabytesPerSecond(tensorBytes, convertSeconds));
                out.flush();
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void writeBf16File(Path file, long elements) throws Exception {
        try (Arena arena = Arena.ofConfined();
             SafetensorsWriter writer = SafetensorsWriter.create(file,
                     List.of(new TensorEntry("weight", DType.BF16, Shape.of(elements))), SafetensorsWriter.NO_METADATA)) {
            MemorySegment data = arena.allocate(elements * 2, 64);
            for (long i = 0; i < elements; i++) {
                data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (0x3F80 + (i & 0x7F)));
            }
            writer.write("weight", Tensor.of(DType.BF16, Shape.of(elements), data));
            writer.commit();
        }
    }

    static String human(long bytes) {
        return bytes >= (1L << 30) ? String.format("%.1f GiB", bytes / (double) (1L << 30))
                : String.format("%.1f MiB", bytes / (double) (1L << 20));
    }
}
