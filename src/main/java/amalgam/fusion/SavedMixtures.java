package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.fusion.method.Dummy;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.ModelSource;
import amalgam.model.moe.MixtureDescription;
import amalgam.model.moe.MoeCheckpoint;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Saved mixtures of experts as pool models. {@code method=dummy} returns its model unchanged, so a saved mixture comes
 * back out as the mixture it is (its tensors and its {@code moe.json}) and is evaluated as one, the way a plain saved
 * model is evaluated. Any other method would read only the shared weights of its linears as if they were the whole
 * model, so a pool holding a mixture is refused for them.
 */
final class SavedMixtures {
    private SavedMixtures() {
    }

    /** The description of the mixture {@code method} returns unchanged, if it is one; refuses what would misread one. */
    static Optional<MixtureDescription> reopened(LoadedPool loaded, FusionMethod method) {
        ModelPool pool = loaded.pool();
        if (method instanceof Dummy) {
            Optional<CheckpointModelSource> source = loaded.checkpoint(pool.reference().name())
                    .filter(checkpoint -> MoeCheckpoint.isMixture(checkpoint.checkpoint().directory()));
            return source.map(SavedMixtures::checkedDescription);
        }
        for (ModelSource model : pool.allModels()) {
            Optional<Path> directory = directoryOf(loaded, model).filter(MoeCheckpoint::isMixture);
            if (directory.isPresent()) {
                throw new UserInputException("model '" + model.name() + "' of the pool is a saved mixture of experts ("
                        + MoeCheckpoint.FILE + " in '" + directory.get() + "'); a fusion method would read only its shared"
                        + " weights, so evaluate it with method=dummy instead");
            }
        }
        return Optional.empty();
    }

    /** The folder's description, its tensors checked against it (errors name the folder, not a copy of it). */
    private static MixtureDescription checkedDescription(CheckpointModelSource source) {
        Path folder = source.checkpoint().directory();
        MixtureDescription description = MoeCheckpoint.read(folder);
        java.util.Map<String, amalgam.tensor.Shape> shapes = new java.util.HashMap<>();
        source.checkpoint().tensors().forEach(info -> shapes.put(info.name(), info.shape()));
        MoeCheckpoint.checkTensors(description, shapes, folder);
        return description;
    }

    private static Optional<Path> directoryOf(LoadedPool loaded, ModelSource model) {
        return loaded.checkpoint(model.name()).map(CheckpointModelSource::checkpoint).map(checkpoint -> checkpoint.directory());
    }
}
