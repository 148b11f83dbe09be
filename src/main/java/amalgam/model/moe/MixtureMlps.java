package amalgam.model.moe;

import amalgam.UserInputException;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.nn.TensorParameters;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/** How a model folder's vision MLP blocks compute: as its saved weight-ensembling mixture says, or plainly. */
public final class MixtureMlps {
    private MixtureMlps() {
    }

    /** The MLP blocks of the model in {@code directory}, whose tensors {@code source} reads (copied into {@code arena}). */
    public static ClipModel.Mlps of(Path directory, ClipWeights.Source source, ClipConfig config, Arena arena) {
        if (!MoeCheckpoint.isMixture(directory)) {
            return ClipModel.Mlps.PLAIN;
        }
        return switch (MoeCheckpoint.read(directory)) {
            case SmileMixture smile -> ClipModel.Mlps.PLAIN;
            case WeightEnsemblingMixture mixture -> {
                checkTower(mixture.layers(), mixture.hiddenSize(), mixture.intermediateSize(), config, source);
                yield new WeightEnsemblingMlps(mixture, config.vision(), load(source, mixture.mixtureTensors(), arena));
            }
            case RankOneMixture mixture -> {
                checkTower(mixture.layers(), mixture.hiddenSize(), mixture.intermediateSize(), config, source);
                yield new RankOneMlps(mixture, config.vision(), load(source, mixture.mixtureTensors(), arena));
            }
        };
    }

    private static void checkTower(int layers, int hidden, int intermediate, ClipConfig config, ClipWeights.Source source) {
        ClipConfig.Tower tower = config.vision();
        if (tower.layers() != layers || tower.hiddenSize() != hidden || tower.intermediateSize() != intermediate) {
            throw new UserInputException("mixture in '" + source.displayName() + "' has " + layers + " layers of width " + hidden
                    + " (MLP " + intermediate + ") but the model's config has " + tower.layers() + " of width " + tower.hiddenSize()
                    + " (MLP " + tower.intermediateSize() + ")");
        }
    }

    /** The listed tensors as float32 copies, frozen. */
    private static TensorParameters load(ClipWeights.Source source, SequencedMap<String, Shape> tensors, Arena arena) {
        Map<String, Tensor> loaded = new LinkedHashMap<>();
        tensors.forEach((name, shape) -> {
            if (!source.contains(name)) {
                throw new UserInputException("mixture '" + source.displayName() + "' is missing tensor '" + name + "' (see moe.json)");
            }
            Tensor stored = source.tensor(name);
            if (!stored.shape().equals(shape) || !stored.dtype().isFloatingPoint()) {
                throw new UserInputException("mixture '" + source.displayName() + "': tensor '" + name + "' is " + stored.dtype() + " "
                        + stored.shape() + ", moe.json needs a float tensor of shape " + shape);
            }
            loaded.put(name, Convert.toF32(stored, arena));
            source.release(name);
        });
        return TensorParameters.frozen(loaded);
    }
}
