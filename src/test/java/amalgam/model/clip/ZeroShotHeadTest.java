package amalgam.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.io.Checkpoint;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-shot heads on the clip-tiny fixture with a hand-made character vocabulary: rows are unit vectors, each row
 * is the renormalized mean of its prompts' normalized text embeddings (checked against the text path directly),
 * logits are exp(logit_scale) times cosines, and the head round-trips through safetensors.
 */
class ZeroShotHeadTest {
    @TempDir
    Path temp;

    private Path tokenizer() throws IOException {
        return LetterTokenizer.write(temp);
    }

    @Test
    void headRowsAreRenormalizedMeansOfPromptEmbeddings() throws IOException {
        Path fixture = Fixtures.clipTiny();
        ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(tokenizer());
        ClipConfig config = ClipConfig.read(fixture.resolve("config.json"));
        ClipModel model = new ClipModel(config);
        ZeroShotTemplates.TaskTemplates templates = ZeroShotTemplates.forTask("eurosat");
        List<String> classes = List.of("forest", "river", "lake or sea");
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(2); Graph graph = Graph.inference(parallel);
             Checkpoint checkpoint = Checkpoint.open(fixture)) {
            Parameters params = ClipWeights.load(checkpoint, config, true, arena);
            ZeroShotHead head = ZeroShotHead.build(model, params, tokenizer, classes, templates, graph, arena);
            assertEquals(List.of(3L, 32L), List.of(head.weight().shape().dim(0), head.weight().shape().dim(1)));
            for (int c = 0; c < 3; c++) {
                double norm = 0;
                for (int p = 0; p < 32; p++) {
                    norm += Math.pow(head.weight().getFloat(c * 32L + p), 2);
                }
                assertEquals(1.0, norm, 1e-5, "row " + c + " is unit length");
            }
            // one template's class: the row is that prompt's normalized embedding
            ZeroShotTemplates.TaskTemplates single = ZeroShotTemplates.forTask("mnist");
            ZeroShotHead digits = ZeroShotHead.build(model, params, tokenizer, List.of("seven"), single, graph, arena);
            graph.reset();
            TokenizedBatch batch = tokenizer.encode(single.prompts("seven"), 16, Padding.LONGEST);
            Var direct = graph.l2Normalize(model.textEmbeds(graph, params, model.text(graph, params,
                    ids(batch.inputIds(), arena), ids(batch.attentionMask(), arena)).pooled()));
            assertArrayEquals(direct.value().toFloatArray(), digits.weight().toFloatArray(), 1e-6f);

            Path file = temp.resolve("head.safetensors");
            head.save(file);
            ZeroShotHead loaded = ZeroShotHead.load(file, arena);
            assertArrayEquals(head.weight().toFloatArray(), loaded.weight().toFloatArray(), 0f);
            assertEquals(head.logitScale(), loaded.logitScale());

            graph.reset();
            Var image = graph.constant(new float[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 1, 32);
            float[] logits = head.logits(graph, image).value().toFloatArray();
            double scale = Math.exp(head.logitScale());
            for (int c = 0; c < 3; c++) {
                double cosine = (head.weight().getFloat(c * 32L) * 1 + head.weight().getFloat(c * 32L + 31) * 2) / Math.sqrt(5);
                assertEquals(scale * cosine, logits[c], 1e-4);
            }
        }
    }

    private static amalgam.tensor.Tensor ids(long[][] rows, Arena arena) {
        amalgam.tensor.Tensor tensor = amalgam.tensor.Tensor.allocate(arena, amalgam.tensor.DType.I64,
                amalgam.tensor.Shape.of(rows.length, rows[0].length));
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < rows[r].length; c++) {
                tensor.setFloat((long) r * rows[r].length + c, rows[r][c]);
            }
        }
        return tensor;
    }
}
