package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The single-row TIES trim of Frank–Wolfe's ties step: d = 10, K = 0.2 keeps the 3 largest magnitudes (⌊d·K⌋ + 1). */
class FrankWolfeTrimTest {
    @Test
    void keepsTheTopMagnitudesOverTheWholeRow() {
        Map<String, float[]> row = new LinkedHashMap<>();
        row.put("a", new float[] {0.1f, -0.9f, 0.3f, 0.05f});
        row.put("b", new float[] {-0.7f, 0.2f, 0.4f, -0.01f, 0.02f, 0.03f});
        FrankWolfeMerging.trim(row, 20);
        assertArrayEquals(new float[] {0, -0.9f, 0, 0}, row.get("a"));
        assertArrayEquals(new float[] {-0.7f, 0, 0.4f, 0, 0, 0}, row.get("b"));
        Map<String, float[]> all = new LinkedHashMap<>();
        all.put("a", new float[] {1, -2, 3});
        FrankWolfeMerging.trim(all, 100);
        assertArrayEquals(new float[] {1, -2, 3}, all.get("a"), "K = 1 keeps everything");
    }
}
