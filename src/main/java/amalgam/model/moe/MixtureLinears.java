package amalgam.model.moe;

import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/** How a model folder's encoder linears compute: as its saved mixture says, or plainly when it is no mixture. */
public final class MixtureLinears {
    private MixtureLinears() {
    }

    /** The linears of the model in {@code directory}, whose tensors {@code source} reads (copied into {@code arena}). */
    public static ClipModel.Linears of(Path directory, ClipWeights.Source source, ClipConfig config, Arena arena) {
        if (!MoeCheckpoint.isMixture(directory)) {
            return ClipModel.Linears.PLAIN;
        }
        return switch (MoeCheckpoint.read(directory)) {
            case SmileMixture smile -> SmileLinears.load(source, smile, config, arena);
            // weight-ensembling mixtures replace whole MLP blocks (MixtureMlps); their linears are plain
            case WeightEnsemblingMixture mixture -> ClipModel.Linears.PLAIN;
            case RankOneMixture mixture -> ClipModel.Linears.PLAIN;
        };
    }
}
