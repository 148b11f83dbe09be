package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** DARE's drop is a function of the element index: dropping window by window drops what the whole tensor drops. */
class DareDropTest {
    @Test
    void windowsDropWhatTheWholeTensorDrops() {
        int n = 5000;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i + 1;
        }
        DareDrop drop = new DareDrop(0.4, false, true);
        Tensor whole = Tensor.ofFloats(values.clone(), 50, 100);
        drop.applyInPlace(whole, "fc.weight", 2, 9);
        Tensor windowed = Tensor.ofFloats(values.clone(), 50, 100);
        long[] cuts = {0, 1, 1025, 3000, n};
        for (int c = 0; c + 1 < cuts.length; c++) {
            long count = cuts[c + 1] - cuts[c];
            MemorySegment window = windowed.data().asSlice(cuts[c] * Float.BYTES, count * Float.BYTES);
            drop.applyInPlace(window, "fc.weight", 2, 2, 9, cuts[c], count);
        }
        assertArrayEquals(whole.toFloatArray(), windowed.toFloatArray(), 0f);
    }
}
