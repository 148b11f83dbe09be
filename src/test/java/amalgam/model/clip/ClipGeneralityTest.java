package amalgam.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CLIP with another shape than the fixture's (GELU vision tower, other widths, heads, patch and image sizes, a
 * non-legacy eos id, a legacy position_ids buffer in the checkpoint): invariants derived by hand hold.
 */
class ClipGeneralityTest {
    private static final String CONFIG = """
            {"model_type":"clip","projection_dim":12,
             "vision_config":{"hidden_size":24,"intermediate_size":40,"num_hidden_layers":3,"num_attention_heads":3,
                              "image_size":12,"patch_size":4,"hidden_act":"gelu","layer_norm_eps":1e-6},
             "text_config":{"hidden_size":20,"intermediate_size":36,"num_hidden_layers":2,"num_attention_heads":5,
                            "vocab_size":30,"max_position_embeddings":9,"eos_token_id":5,"hidden_act":"quick_gelu"}}""";

    @TempDir
    Path temp;

    @Test
    void invariantsHoldForAnotherConfig() throws IOException {
        Path model = writeRandomModel();
        try (Arena arena = Arena.ofShared()) {
            Tensor pixels = random(arena, Shape.of(2, 3, 12, 12), 1, 3);
            long[][] ids = {{1, 7, 8, 5, 9, 9, 9}, {1, 5, 3, 3, 3, 3, 3}, {1, 2, 3, 4, 6, 7, 5}};
            long[][] mask = {{1, 1, 1, 1, 0, 0, 0}, {1, 1, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 1}};
            Map<String, Tensor> out = ClipForward.run(model, inputs(arena, pixels, ids, mask), arena, 2);
            assertEquals(Shape.of(2, 10, 24), out.get("vision_last_hidden_state").shape());
            assertEquals(Shape.of(3, 7, 20), out.get("text_last_hidden_state").shape());
            float[] image = out.get("image_embeds").toFloatArray();
            float[] text = out.get("text_embeds").toFloatArray();
            for (int r = 0; r < 2; r++) {
                assertEquals(1.0, norm(image, r, 12), 1e-5);
            }
            // pooled = hidden state at the first eos (5): positions 3, 1, 6
            float[] hidden = out.get("text_last_hidden_state").toFloatArray();
            float[] pooled = out.get("text_pooler_output").toFloatArray();
            int[] eos = {3, 1, 6};
            for (int r = 0; r < 3; r++) {
                for (int d = 0; d < 20; d++) {
                    assertEquals(hidden[(r * 7 + eos[r]) * 20 + d], pooled[r * 20 + d], 0f);
                }
            }
            // logits = exp(logit_scale) * cosine; logit_scale was written as 0.5
            float[] logits = out.get("logits_per_image").toFloatArray();
            for (int i = 0; i < 2; i++) {
                for (int t = 0; t < 3; t++) {
                    double cosine = 0;
                    for (int p = 0; p < 12; p++) {
                        cosine += image[i * 12 + p] * text[t * 12 + p];
                    }
                    assertEquals(Math.exp(0.5) * cosine, logits[i * 3 + t], 1e-5);
                }
            }
            // under right padding, the ids after the pooled position do not change the pooled output
            long[][] otherPadding = {{1, 7, 8, 5, 0, 3, 2}, {1, 5, 9, 9, 1, 1, 1}, ids[2]};
            Map<String, Tensor> again = ClipForward.run(model, inputs(arena, pixels, otherPadding, mask), arena, 1);
            assertArrayEquals(pooled, again.get("text_pooler_output").toFloatArray(), 1e-6f);
        }
        assertEquals(0, ClipModel.poolingIndex(Tensor.ofFloats(new float[] {3, 4, 9}, 1, 3), 0, 5), "no eos: position 0");
        assertEquals(1, ClipModel.poolingIndex(Tensor.ofFloats(new float[] {3, 9, 9, 2}, 1, 4), 0, 2),
                "legacy rule: first occurrence of the largest id");
    }

    private static double norm(float[] values, int row, int width) {
        double sum = 0;
        for (int i = 0; i < width; i++) {
            sum += values[row * width + i] * values[row * width + i];
        }
        return Math.sqrt(sum);
    }

    private static Map<String, Tensor> inputs(Arena arena, Tensor pixels, long[][] ids, long[][] mask) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("pixel_values", pixels);
        inputs.put("input_ids", longs(arena, ids));
        inputs.put("attention_mask", longs(arena, mask));
        return inputs;
    }

    private static Tensor longs(Arena arena, long[][] rows) {
        Tensor tensor = Tensor.allocate(arena, DType.I64, Shape.of(rows.length, rows[0].length));
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < rows[r].length; c++) {
                tensor.setFloat((long) r * rows[r].length + c, rows[r][c]);
            }
        }
        return tensor;
    }

    private Path writeRandomModel() throws IOException {
        Path model = Files.createDirectories(temp.resolve("model"));
        Files.writeString(model.resolve("config.json"), CONFIG);
        ClipConfig config = ClipConfig.read(model.resolve("config.json"));
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            long seed = 40;
            for (var key : ClipKeys.expected(config, true).entrySet()) {
                tensors.put(key.getKey(), random(arena, key.getValue(), 0.3, seed++));
            }
            tensors.get("logit_scale").setFloat(0, 0.5f);
            Tensor positionIds = Tensor.allocate(arena, DType.I64, Shape.of(1, 9));
            tensors.put("text_model.embeddings.position_ids", positionIds);
            List<TensorEntry> entries = new ArrayList<>();
            tensors.forEach((name, tensor) -> entries.add(new TensorEntry(name, tensor.dtype(), tensor.shape())));
            try (SafetensorsWriter writer = SafetensorsWriter.create(model.resolve("model.safetensors"), entries, SafetensorsWriter.NO_METADATA)) {
                tensors.forEach(writer::write);
                writer.commit();
            }
        }
        return model;
    }

    private static Tensor random(Arena arena, Shape shape, double scale, long seed) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < tensor.elementCount(); i++) {
            tensor.setFloat(i, (float) (random.nextGaussian() * scale));
        }
        return tensor;
    }
}
