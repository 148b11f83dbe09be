package amalgam.bench;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.MethodRegistry;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rows of {@code bench quality}: every one a method amalgam runs, none twice, the mixtures among them. */
class QualityBenchmarkRowsTest {
    @Test
    void everyRowNamesARegisteredMethod() {
        for (String name : QualityBenchmark.methodNames()) {
            assertDoesNotThrow(() -> MethodRegistry.resolve(name), name);
        }
    }

    @Test
    void noMethodHasTwoRows() {
        List<String> names = QualityBenchmark.methodNames();
        assertEquals(names.size(), new HashSet<>(names).size(), names.toString());
    }

    @Test
    void theMixturesAreRowsOfTheTable() {
        List<String> names = QualityBenchmark.methodNames();
        for (String mixture : List.of("wemoe/weight_ensembling_moe", "wemoe/sparse_weight_ensembling_moe", "rankone_moe/rankone_moe",
                "smile_upscaling/smile_upscaling", "ada_svd/clip_vision")) {
            assertTrue(names.contains(mixture), mixture + " missing from " + names);
        }
    }
}
