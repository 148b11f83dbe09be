package amalgam.model.clip;

import amalgam.UserInputException;
import amalgam.io.SafetensorsFile;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

/**
 * A zero-shot classification head built as FusionBench builds it: for each class, every template filled with the
 * class name is tokenized (padded to the longest, at most 77 tokens), encoded by the pretrained text tower and
 * text_projection, L2-normalized, averaged over templates and normalized again. Logits of an image embedding are
 * exp(logit_scale) · normalize(image) · weightᵀ.
 *
 * @param weight     [C, P] normalized class embeddings
 * @param logitScale the checkpoint's logit_scale (the multiplier is its exponential)
 */
public record ZeroShotHead(Tensor weight, float logitScale) {
    /** Builds the head from a CLIPModel's text tower. */
    public static ZeroShotHead build(ClipModel model, Parameters params, ClipTokenizer tokenizer, List<String> classNames,
                                     ZeroShotTemplates.TaskTemplates templates, Graph graph, Arena arena) {
        int projection = model.config().projectionDim();
        Tensor weight = Tensor.allocate(arena, DType.F32, Shape.of(classNames.size(), projection));
        for (int c = 0; c < classNames.size(); c++) {
            graph.reset();
            TokenizedBatch batch = tokenizer.encode(templates.prompts(classNames.get(c)),
                    Math.min(ClipTokenizer.DEFAULT_MAX_LENGTH, model.config().text().maxPositions()), Padding.LONGEST);
            Tensor ids = longs(batch.inputIds(), arena);
            Tensor mask = longs(batch.attentionMask(), arena);
            Var pooled = model.text(graph, params, ids, mask).pooled();
            Var perPrompt = graph.l2Normalize(model.textEmbeds(graph, params, pooled));
            Var mean = graph.l2Normalize(graph.reshape(graph.mean(perPrompt, 0), 1, projection));
            for (int p = 0; p < projection; p++) {
                weight.setFloat((long) c * projection + p, mean.value().getFloat(p));
            }
        }
        return new ZeroShotHead(weight, params.get(graph, "logit_scale").item());
    }

    /** exp(logit_scale) · normalize(imageEmbeds [B, P]) · weightᵀ -> [B, C]. */
    public Var logits(Graph graph, Var imageEmbeds) {
        Var classes = graph.transpose(Var.constant(weight), 0, 1);
        return graph.scale(graph.matmul(graph.l2Normalize(imageEmbeds), classes), (float) Math.exp(logitScale));
    }

    /** exp(logit_scale) · embeds · weightᵀ for embeddings that are final as they are (not normalized here). */
    public Var logitsOfFinal(Graph graph, Var embeds) {
        Var classes = graph.transpose(Var.constant(weight), 0, 1);
        return graph.scale(graph.matmul(embeds, classes), (float) Math.exp(logitScale));
    }

    /** Saves the head as safetensors ({@code weight} [C, P], {@code logit_scale} scalar), atomically. */
    public void save(Path file) {
        save(file, SafetensorsWriter.PT_FORMAT);
    }

    /** As {@link #save(Path)}, with the given safetensors metadata. */
    public void save(Path file, java.util.SequencedMap<String, String> metadata) {
        Tensor scalar = Tensor.ofFloats(new float[] {logitScale}, 1).reshape(Shape.of());
        List<TensorEntry> entries = List.of(new TensorEntry("weight", DType.F32, weight.shape()), new TensorEntry("logit_scale", DType.F32, Shape.of()));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, entries, metadata)) {
            writer.write("weight", weight);
            writer.write("logit_scale", scalar);
            writer.commit();
        }
    }

    /** Loads a head saved by {@link #save} into the arena. */
    public static ZeroShotHead load(Path file, Arena arena) {
        try (SafetensorsFile stored = SafetensorsFile.open(file)) {
            if (stored.find("weight").isEmpty() || stored.find("logit_scale").isEmpty()) {
                throw new UserInputException("zero-shot head '" + file + "' needs tensors 'weight' and 'logit_scale'");
            }
            Tensor weight = Convert.toF32(stored.tensor("weight"), arena);
            if (weight.shape().rank() != 2) {
                throw new UserInputException("zero-shot head '" + file + "': 'weight' must be [classes, projection], got " + weight.shape());
            }
            return new ZeroShotHead(weight, stored.tensor("logit_scale").getFloat(0));
        }
    }

    private static Tensor longs(long[][] rows, Arena arena) {
        Tensor tensor = Tensor.allocate(arena, DType.I64, Shape.of(rows.length, rows[0].length));
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < rows[r].length; c++) {
                tensor.setFloat((long) r * rows[r].length + c, rows[r][c]);
            }
        }
        return tensor;
    }
}
