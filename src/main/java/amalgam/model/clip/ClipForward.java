package amalgam.model.clip;

import amalgam.UserInputException;
import amalgam.io.Checkpoint;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole {@code CLIPModel} forward on given inputs, returning the seven tensors Hugging Face reports (used by
 * {@code amalgam debug clip-forward} to check a checkpoint end to end).
 */
public final class ClipForward {
    private ClipForward() {
    }

    /**
     * @param modelDirectory config.json + safetensors of a CLIPModel
     * @param inputs         pixel_values F32 [B,3,H,W], input_ids and attention_mask I64 [N,L]
     * @return the outputs by name, copied into {@code arena}
     */
    public static Map<String, Tensor> run(Path modelDirectory, Map<String, Tensor> inputs, Arena arena, int threads) {
        ClipConfig config = ClipConfig.read(modelDirectory.resolve("config.json"));
        if (config.text() == null) {
            throw new UserInputException("'" + modelDirectory + "' holds a vision-only CLIP; clip-forward needs a CLIPModel");
        }
        Tensor pixels = input(inputs, "pixel_values");
        Tensor ids = input(inputs, "input_ids");
        Tensor mask = input(inputs, "attention_mask");
        checkInputs(config, pixels, ids, mask);
        try (Checkpoint checkpoint = Checkpoint.open(modelDirectory);
             Parallel parallel = new Parallel(threads);
             Graph graph = Graph.inference(parallel)) {
            Parameters params = ClipWeights.load(checkpoint, config, true, arena);
            ClipModel model = new ClipModel(config);
            ClipModel.TowerOutput vision = model.vision(graph, params, graph.constant(pixels.dtype() == DType.F32 ? pixels
                    : amalgam.tensor.kernel.Convert.toF32(pixels, arena)));
            ClipModel.TowerOutput text = model.text(graph, params, ids, mask);
            Var imageEmbeds = model.imageEmbeds(graph, params, vision.pooled());
            Var textEmbeds = model.textEmbeds(graph, params, text.pooled());
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("vision_last_hidden_state", copy(vision.lastHidden(), arena));
            out.put("vision_pooler_output", copy(vision.pooled(), arena));
            out.put("image_embeds", copy(graph.l2Normalize(imageEmbeds), arena));
            out.put("text_last_hidden_state", copy(text.lastHidden(), arena));
            out.put("text_pooler_output", copy(text.pooled(), arena));
            out.put("text_embeds", copy(graph.l2Normalize(textEmbeds), arena));
            out.put("logits_per_image", copy(model.logitsPerImage(graph, params, imageEmbeds, textEmbeds), arena));
            return out;
        }
    }

    private static void checkInputs(ClipConfig config, Tensor pixels, Tensor ids, Tensor mask) {
        ClipConfig.Tower vision = config.vision();
        if (pixels.shape().rank() != 4 || pixels.shape().dim(1) != vision.channels() || pixels.shape().dim(2) != vision.imageSize()
                || pixels.shape().dim(3) != vision.imageSize()) {
            throw new UserInputException("input 'pixel_values' has shape " + pixels.shape() + ", the model needs [B, "
                    + vision.channels() + ", " + vision.imageSize() + ", " + vision.imageSize() + "]");
        }
        if (ids.shape().rank() != 2 || !ids.shape().equals(mask.shape())) {
            throw new UserInputException("inputs 'input_ids' " + ids.shape() + " and 'attention_mask' " + mask.shape()
                    + " must both be [N, L]");
        }
        if (ids.shape().dim(1) > config.text().maxPositions()) {
            throw new UserInputException("input 'input_ids' has " + ids.shape().dim(1) + " positions, the model at most "
                    + config.text().maxPositions());
        }
        for (long i = 0; i < ids.elementCount(); i++) {
            long id = (long) ids.getFloat(i);
            if (id < 0 || id >= config.text().vocabSize()) {
                throw new UserInputException("input 'input_ids' holds id " + id + " outside the vocabulary of "
                        + config.text().vocabSize());
            }
        }
    }

    private static Tensor input(Map<String, Tensor> inputs, String name) {
        Tensor tensor = inputs.get(name);
        if (tensor == null) {
            throw new UserInputException("inputs lack tensor '" + name + "'");
        }
        return tensor;
    }

    private static Tensor copy(Var value, Arena arena) {
        Tensor copy = Tensor.allocate(arena, DType.F32, value.shape());
        copy.data().copyFrom(value.value().data());
        return copy;
    }
}
