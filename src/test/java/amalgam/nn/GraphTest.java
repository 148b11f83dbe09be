package amalgam.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class GraphTest {
    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        try (Arena arena = Arena.ofShared(); Graph graph = Graph.training(GradientCheck.PARALLEL)) {
            Tensor t = Tensor.allocate(arena, DType.F32, Shape.of(2));
            t.setFloat(0, 3);
            t.setFloat(1, -1);
            Var x = Var.parameter(t, arena);
            for (int step = 0; step < 2; step++) {
                graph.reset();
                graph.backward(graph.sum(graph.multiply(x, x))); // d/dx = 2x
            }
            assertEquals(12f, x.grad().getFloat(0));
            assertEquals(-4f, x.grad().getFloat(1));
            x.zeroGrad();
            assertEquals(0f, x.grad().getFloat(0));
        }
    }

    @Test
    void inferenceRecordsNothingAndReusesItsWorkspace() {
        try (Arena arena = Arena.ofShared(); Graph graph = Graph.inference(GradientCheck.PARALLEL)) {
            Var w = Var.parameter(Tensor.allocate(arena, DType.F32, Shape.of(64, 64)), arena);
            long first = 0;
            for (int pass = 0; pass < 3; pass++) {
                graph.reset();
                Var x = graph.constant(new float[64 * 8], 8, 64);
                Var y = graph.gelu(graph.linear(x, w, null));
                assertTrue(!y.requiresGrad());
                if (pass == 0) {
                    first = graph.workspaceBytes();
                }
                assertEquals(first, graph.workspaceBytes());
            }
            assertThrows(IllegalStateException.class, () -> graph.backward(graph.sum(w)));
            assertNull(w.grad());
        }
    }

    @Test
    void opsOnConstantsOnlyAreNotRecorded() {
        try (Graph graph = Graph.training(GradientCheck.PARALLEL)) {
            Var c = graph.constant(new float[] {1, 2}, 2);
            Var loss = graph.sum(graph.scale(c, 2));
            assertTrue(!loss.requiresGrad());
            assertThrows(IllegalArgumentException.class, () -> graph.backward(loss));
        }
    }

    @Test
    void shapeErrorsNameTheShapes() {
        try (Graph graph = Graph.inference(GradientCheck.PARALLEL)) {
            Var a = graph.constant(new float[6], 2, 3);
            Var b = graph.constant(new float[8], 2, 4);
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> graph.add(a, b));
            assertTrue(error.getMessage().contains("[2, 3]") && error.getMessage().contains("[2, 4]"), error.getMessage());
            assertThrows(IllegalArgumentException.class, () -> graph.matmul(a, a));
            assertThrows(IllegalArgumentException.class, () -> graph.crossEntropy(a, new long[] {0, 3}));
        }
    }

    @Test
    void aBlockOfAnInferenceGraphKeepsOnlyItsResultAndForgetsWhatItMemoized() {
        try (Graph graph = Graph.inference(GradientCheck.PARALLEL)) {
            Var first = graph.constant(new float[] {1, 2, 3, 4}, 2, 2);
            Var x = graph.constant(new float[] {1, 2, 3, 4}, 2, 2);
            long before = graph.workspaceBytes();
            for (int layer = 0; layer < 5; layer++) {
                x = graph.block(x, input -> {
                    Var memoized = graph.memoize("step", () -> graph.scale(input, 2));
                    return graph.add(graph.scale(memoized, 0.5f), graph.add(input, input)); // 3 x
                });
                assertEquals(before, graph.workspaceBytes(), "layer " + layer + ": the result took the input's place");
            }
            assertEquals(243f, x.value().getFloat(0));
            assertEquals(972f, x.value().getFloat(3));
            Var fresh = graph.memoize("step", () -> graph.scale(first, 10));
            assertEquals(10f, fresh.value().getFloat(0), "the memo entry made inside the block is gone");
            long withFresh = graph.workspaceBytes();
            Var kept = graph.block(first, input -> graph.scale(input, 2)); // first is not the latest buffer: it stays
            assertEquals(withFresh + 64, graph.workspaceBytes());
            assertEquals(2f, kept.value().getFloat(0));
            assertEquals(1f, first.value().getFloat(0));
            Var same = graph.block(first, input -> input);
            assertTrue(same == first, "a result allocated before the block is returned as it is");
        }
    }

    @Test
    void aBlockOfATrainingGraphKeepsEverythingForTheBackward() {
        try (Arena arena = Arena.ofShared(); Graph graph = Graph.training(GradientCheck.PARALLEL)) {
            Tensor t = Tensor.allocate(arena, DType.F32, Shape.of(2));
            t.setFloat(0, 3);
            t.setFloat(1, -1);
            Var w = Var.parameter(t, arena);
            Var y = graph.block(w, input -> graph.multiply(input, input));
            graph.backward(graph.sum(graph.block(y, input -> graph.multiply(input, w)))); // d/dw w^3 = 3 w^2
            assertEquals(27f, w.grad().getFloat(0));
            assertEquals(3f, w.grad().getFloat(1));
        }
    }
}
