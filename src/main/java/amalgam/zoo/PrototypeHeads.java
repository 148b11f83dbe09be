package amalgam.zoo;

import amalgam.data.LabelledImages;
import amalgam.data.image.PixelNormalization;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ZeroShotHead;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * A task's classification head built from the pretrained model, playing the part of CLIP's zero-shot head (which is
 * built from the pretrained text tower): with m_c the mean of the pretrained model's normalized image embeddings over
 * the first {@code samplesPerClass} training images of class c and m the mean of the m_c, row c is
 * normalize(m_c − m). Centring spreads the class directions apart (the uncentred means of a small pretrained model
 * nearly coincide, which leaves fine-tuning almost nothing to aim at). Frozen during fine-tuning, as FusionBench
 * freezes its zero-shot heads.
 */
final class PrototypeHeads {
    private static final int BATCH = 64;

    private PrototypeHeads() {
    }

    static ZeroShotHead build(ClipModel model, Parameters pretrained, LabelledImages train, int classes, int samplesPerClass,
                              float logitScale, Graph graph, Arena arena) {
        int projection = model.config().projectionDim();
        int size = model.config().vision().imageSize();
        double[][] sums = new double[classes][projection];
        int[] counts = new int[classes];
        int[] batchIndices = new int[BATCH];
        int filled = 0;
        try (Arena scratch = Arena.ofConfined()) {
            Tensor batch = Tensor.allocate(scratch, DType.F32, Shape.of(BATCH, 3, size, size));
            long imageFloats = 3L * size * size;
            int[] taken = new int[classes];
            for (int index = 0; index < train.size(); index++) {
                int label = train.label(index);
                if (taken[label] >= samplesPerClass) {
                    continue;
                }
                taken[label]++;
                PixelNormalization.CLIP.writeChw(train.image(index), batch.data(), filled * imageFloats);
                batchIndices[filled++] = label;
                boolean last = java.util.Arrays.stream(taken).allMatch(t -> t >= samplesPerClass) || index == train.size() - 1;
                if (filled == BATCH || last) {
                    accumulate(model, pretrained, graph, batch, filled, batchIndices, sums, counts, projection);
                    filled = 0;
                }
                if (last) {
                    break;
                }
            }
        }
        double[][] means = new double[classes][projection];
        double[] center = new double[projection];
        for (int c = 0; c < classes; c++) {
            if (counts[c] == 0) {
                throw new IllegalStateException("no training image of class " + c + " for the head");
            }
            for (int p = 0; p < projection; p++) {
                means[c][p] = sums[c][p] / counts[c];
                center[p] += means[c][p] / classes;
            }
        }
        Tensor weight = Tensor.allocate(arena, DType.F32, Shape.of(classes, projection));
        for (int c = 0; c < classes; c++) {
            double norm = 0;
            for (int p = 0; p < projection; p++) {
                norm += (means[c][p] - center[p]) * (means[c][p] - center[p]);
            }
            norm = Math.sqrt(norm);
            for (int p = 0; p < projection; p++) {
                weight.setFloat((long) c * projection + p, (float) ((means[c][p] - center[p]) / norm));
            }
        }
        return new ZeroShotHead(weight, logitScale);
    }

    private static void accumulate(ClipModel model, Parameters params, Graph graph, Tensor batch, int count, int[] labels,
                                   double[][] sums, int[] counts, int projection) {
        graph.reset();
        Tensor used = Tensor.of(DType.F32, Shape.of(count, batch.shape().dim(1), batch.shape().dim(2), batch.shape().dim(3)),
                batch.data().asSlice(0, count * batch.shape().dim(1) * batch.shape().dim(2) * batch.shape().dim(3) * Float.BYTES));
        Var embeds = graph.l2Normalize(model.imageEmbeds(graph, params, model.vision(graph, params, graph.constant(used)).pooled()));
        for (int i = 0; i < count; i++) {
            counts[labels[i]]++;
            for (int p = 0; p < projection; p++) {
                sums[labels[i]][p] += embeds.value().getFloat((long) i * projection + p);
            }
        }
    }
}
