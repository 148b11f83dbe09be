package amalgam.mergekit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.mergekit.config.EmbeddingSource;
import amalgam.mergekit.config.ModelReference;
import amalgam.mergekit.config.TokenEmbedding;
import amalgam.mergekit.config.TokenizerSource;
import amalgam.mergekit.method.Precision;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Re-indexing embedding rows to the union of {@link Vocabularies} (base B). Stored row {@code r} of every model is
 * {@code [r + 1, 10·(r + 1)]}, so a re-indexed row shows which stored row it came from. Output tokens
 * {@code <s> a b c d e <x>} and each model's stored row for them (- = lacks it):
 * <pre>
 *        &lt;s&gt;  a  b  c  d  e  &lt;x&gt;
 *   B     0   1  2  3  -  -  -      (5 stored rows: id 4, &lt;pad&gt;, is past vocab_size 4)
 *   X     0   1  3  -  2  -  4
 *   Y     0   2  -  -  -  1  3
 * </pre>
 * Fallbacks: b (B and X) -> the base's row; c only B, d only X, e only Y -> that model's row; &lt;x&gt; (X and Y, not
 * the base) -> the mean of X's row 4 and Y's row 3.
 */
class EmbeddingRowPlanTest {
    private static final List<Shape> SHAPES = List.of(Shape.of(5, 2), Shape.of(5, 2), Shape.of(4, 2));

    private static OutputVocabulary union(List<String> extra) {
        return VocabularyBuilder.build(new TokenizerSource.Union(), Vocabularies.models(), null, extra);
    }

    private static List<float[]> stored() {
        List<float[]> matrices = new ArrayList<>();
        for (Shape shape : SHAPES) {
            float[] values = new float[(int) shape.elementCount()];
            for (int r = 0; r < shape.dim(0); r++) {
                values[2 * r] = r + 1;
                values[2 * r + 1] = 10 * (r + 1);
            }
            matrices.add(values);
        }
        return matrices;
    }

    /** Column 0 of each re-indexed matrix (column 1 is always ten times it). */
    private static List<float[]> firstColumns(EmbeddingRowPlan plan, Precision precision) {
        List<float[]> columns = new ArrayList<>();
        for (float[] matrix : plan.apply(stored(), precision)) {
            float[] column = new float[plan.rows()];
            for (int r = 0; r < plan.rows(); r++) {
                column[r] = matrix[2 * r];
                assertEquals(10 * matrix[2 * r], matrix[2 * r + 1], 1e-4);
            }
            columns.add(column);
        }
        return columns;
    }

    private static EmbeddingRowPlan plan(OutputVocabulary vocabulary, int rows, int baseIndex, Map<String, TokenEmbedding> tokens) {
        return EmbeddingRowPlan.plan("model.embed_tokens.weight", vocabulary, rows, Vocabularies.models(), SHAPES,
                baseIndex, tokens);
    }

    @Test
    void ownRowsWhenPresentOtherwiseMergekitsFallbackRule() {
        EmbeddingRowPlan plan = plan(union(List.of()), 7, 0, Map.of());
        assertEquals(Shape.of(7, 2), plan.shape());
        List<float[]> columns = firstColumns(plan, Precision.F32);
        //                                  <s>  a  b  c  d  e  <x>
        assertArrayEquals(new float[] {1, 2, 3, 4, 3, 2, 4.5f}, columns.get(0), "B");
        assertArrayEquals(new float[] {1, 2, 4, 4, 3, 2, 5}, columns.get(1), "X");
        assertArrayEquals(new float[] {1, 3, 3, 4, 3, 2, 4}, columns.get(2), "Y");
    }

    @Test
    void withoutABaseATokenSomeModelsLackIsTheirMean() {
        List<float[]> columns = firstColumns(plan(union(List.of()), 7, -1, Map.of()), Precision.F32);
        // b: B's row 2 and X's row 3 -> (3 + 4) / 2 for Y, which lacks it
        assertArrayEquals(new float[] {1, 3, 3.5f, 4, 3, 2, 4}, columns.get(2));
    }

    @Test
    void paddingRowsAreTheMeanOfEachModelsRows() {
        EmbeddingRowPlan plan = plan(union(List.of()), 8, 0, Map.of());
        List<float[]> columns = firstColumns(plan, Precision.F32);
        assertEquals(19.5f / 7, columns.get(0)[7], 1e-6);
        assertEquals(3f, columns.get(1)[7], 1e-6);
        assertEquals(20f / 7, columns.get(2)[7], 1e-6);
    }

    @Test
    void explicitSourcesAndForce() {
        Map<String, TokenEmbedding> tokens = new LinkedHashMap<>();
        tokens.put("a", new TokenEmbedding(new EmbeddingSource.Zero(), false));           // every model has a: unused
        tokens.put("b", new TokenEmbedding(null, true));                                    // forced, default rule: B's row
        tokens.put("<s>", new TokenEmbedding(new EmbeddingSource.ModelToken(Vocabularies.X, null, 4), true));
        tokens.put("<new>", new TokenEmbedding(new EmbeddingSource.ModelToken(Vocabularies.Y, "e", null), false));
        tokens.put("c", new TokenEmbedding(new EmbeddingSource.Zero(), false));             // X and Y lack c: zeros
        tokens.put("d", new TokenEmbedding(new EmbeddingSource.FromModel(Vocabularies.X), true));
        OutputVocabulary vocabulary = union(List.copyOf(tokens.keySet()));
        assertEquals("<new>", vocabulary.tokens().get(7));
        List<float[]> columns = firstColumns(plan(vocabulary, 8, 0, tokens), Precision.F32);
        //                                   <s>  a  b  c  d  e  <x>  <new>
        assertArrayEquals(new float[] {5, 2, 3, 4, 3, 2, 4.5f, 2}, columns.get(0), "B");
        assertArrayEquals(new float[] {5, 2, 3, 0, 3, 2, 5, 2}, columns.get(1), "X");
        assertArrayEquals(new float[] {5, 3, 3, 0, 3, 2, 4, 2}, columns.get(2), "Y");
    }

    @Test
    void meansRoundInTheWorkingDtype() {
        // <x>: X's row 4 is [5, 50], Y's row 3 is [4, 40]; in bfloat16 (5 + 4) / 2 = 4.5 is exact, so use 1/3-ish values
        List<float[]> matrices = stored();
        matrices.get(1)[8] = 1.01f;
        matrices.get(2)[6] = 2.03f;
        EmbeddingRowPlan plan = plan(union(List.of()), 7, 0, Map.of());
        Precision bf16 = new Precision(DType.BF16);
        float expected = bf16.round(bf16.round(bf16.round(1.01f) + bf16.round(2.03f)) / 2f);
        List<float[]> rounded = new ArrayList<>();
        for (float[] matrix : matrices) {
            float[] copy = matrix.clone();
            bf16.roundInPlace(copy);
            rounded.add(copy);
        }
        assertEquals(expected, plan.apply(rounded, bf16).getFirst()[12]);
    }

    @Test
    void badTokenSettingsAreUserErrorsNamingTheKey() {
        assertPlanError(Map.of("c", new TokenEmbedding(new EmbeddingSource.FromModel(Vocabularies.Y), false)),
                "tokenizer.tokens.c.source", "not found in model 'Y'");
        assertPlanError(Map.of("c", new TokenEmbedding(new EmbeddingSource.FromModel(ModelReference.of("Z")), false)),
                "tokenizer.tokens.c.source", "model 'Z' is not part of the merge");
        assertPlanError(Map.of("c", new TokenEmbedding(new EmbeddingSource.ModelToken(Vocabularies.Y, null, 4), false)),
                "token id 4 is out of range for model 'Y'");
        assertPlanError(Map.of("c", new TokenEmbedding(new EmbeddingSource.ModelToken(Vocabularies.Y, "zz", null), false)),
                "token 'zz' not found in model 'Y'");
    }

    @Test
    void shapesMustAgreeWithTheTokenizers() {
        OutputVocabulary vocabulary = union(List.of());
        UserInputException columns = assertThrows(UserInputException.class, () -> EmbeddingRowPlan.plan("t", vocabulary, 7,
                Vocabularies.models(), List.of(Shape.of(5, 2), Shape.of(5, 3), Shape.of(4, 2)), 0, Map.of()));
        assertTrue(columns.getMessage().contains("embedding sizes must match"), columns.getMessage());
        UserInputException rows = assertThrows(UserInputException.class, () -> EmbeddingRowPlan.plan("t", vocabulary, 7,
                Vocabularies.models(), List.of(Shape.of(5, 2), Shape.of(4, 2), Shape.of(4, 2)), 0, Map.of()));
        assertTrue(rows.getMessage().contains("model 'X' has 4 rows") && rows.getMessage().contains("'<x>' id 4"),
                rows.getMessage());
        assertThrows(UserInputException.class, () -> EmbeddingRowPlan.plan("t", vocabulary, 7, Vocabularies.models(),
                List.of(Shape.of(10), Shape.of(5, 2), Shape.of(4, 2)), 0, Map.of()));
        UserInputException huge = assertThrows(UserInputException.class, () -> EmbeddingRowPlan.plan("t", vocabulary,
                Integer.MAX_VALUE, Vocabularies.models(), SHAPES, 0, Map.of()));
        assertTrue(huge.getMessage().contains("too large"), huge.getMessage());
    }

    private static void assertPlanError(Map<String, TokenEmbedding> tokens, String... expected) {
        UserInputException error = assertThrows(UserInputException.class, () -> plan(union(List.of()), 7, 0, tokens));
        for (String part : expected) {
            assertTrue(error.getMessage().contains(part), error.getMessage());
        }
    }
}
