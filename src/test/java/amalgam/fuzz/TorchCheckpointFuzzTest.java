package amalgam.fuzz;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The {@code pytorch_model.bin} reader (ZIP directory, pickle, storages) on mutated checkpoints; half of them keep a
 * well-formed ZIP around a mutated {@code data.pkl}, so the unpickler sees most of the mutations.
 */
class TorchCheckpointFuzzTest extends FuzzTargetTest {
    /** Pickle opcodes and the globals a state dict names (and one it must never call). */
    private static final List<String> PICKLE = List.of("\u0080\u0002", "\u0080\u0005", "ctorch._utils\n_rebuild_tensor_v2\n",
        "ctorch._utils\n_rebuild_parameter\n", "ccollections\nOrderedDict\n", "cos\nsystem\n", "ctorch\nFloatStorage\n",
        "ctorch\nBFloat16Storage\n", "q\u0000", "q\u00ff", "h\u0000", "h\u0001", "j\u00ff\u00ff\u00ff\u00ff", "r\u0000\u0000\u0000\u0000",
        "J\u00ff\u00ff\u00ff\u007f", "J\u00ff\u00ff\u00ff\u00ff", "K\u0005", "M\u00ff\u00ff", "\u008a\u0008\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f",
        "\u008a\u0001\u00ff", "\u008b\u00ff\u00ff\u00ff\u007f", "(", "t", ")", "]", "}", "e", "u", "s", "R", "b", "Q", "X\u00ff\u00ff\u00ff\u007f",
        "X\u0001\u0000\u0000\u0000a", "T\u0004\u0000\u0000\u0000abcd", "U\u0003abc", "\u008c\u0007storage", "\u008c\u00010", "0", "1",
        "2", ".", "\u0085", "\u0086", "\u0087", "\u0088", "\u0089", "N", "\u0094", "\u0095\u0010\u0000\u0000\u0000\u0000\u0000\u0000\u0000",
        "G\u007f\u00f0\u0000\u0000\u0000\u0000\u0000\u0000", "\u0093", "\u0081", "\u0092", "(((((((((((((((((((((((((((((((((",
        "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "}}}}}}}}}}}}}}}}", "I99999999999999999999\n", "L-1L\n", "Vabc\n", "F1e999\n");
    private static final List<String> ZIP = List.of("PK\u0003\u0004", "PK\u0001\u0002", "PK\u0005\u0006", "PK\u0006\u0006",
        "PK\u0006\u0007", "\u00ff\u00ff\u00ff\u00ff", "data.pkl", "archive/data/0", "/data/", "byteorder", "big", "little");
    static final FuzzTarget TARGET = new FuzzTarget("torch", "pytorch_model.bin", false, ZIP, CheckpointReads::readAll)
            .withInner(new FuzzTarget.Inner(false, PICKLE, TorchCheckpointFuzzTest::withMutatedPickle));

    /** The seed's entries re-zipped (stored) with its {@code data.pkl} mutated. */
    static byte[] withMutatedPickle(byte[] seed, UnaryOperator<byte[]> mutate) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean found = false;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(seed)); ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.setMethod(ZipOutputStream.STORED);
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (entry.getName().endsWith("data.pkl")) {
                    content = mutate.apply(content);
                    found = true;
                }
                ZipEntry stored = new ZipEntry(entry.getName());
                CRC32 crc = new CRC32();
                crc.update(content);
                stored.setSize(content.length);
                stored.setCompressedSize(content.length);
                stored.setCrc(crc.getValue());
                out.putNextEntry(stored);
                out.write(content);
                out.closeEntry();
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no data.pkl in the seed");
        }
        return bytes.toByteArray();
    }

    @Override
    FuzzTarget target() {
        return TARGET;
    }
}
