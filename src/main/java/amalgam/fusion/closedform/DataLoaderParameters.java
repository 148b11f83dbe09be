package amalgam.fusion.closedform;

import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.param.Domain;
import java.util.List;

/**
 * FusionBench's {@code dataloader_kwargs} of the closed-form methods, as dotted parameters
 * ({@code method.dataloader_kwargs.batch_size=16} on the command line).
 */
final class DataLoaderParameters {
    static final String BATCH_SIZE = "dataloader_kwargs.batch_size";
    static final String WORKERS = "dataloader_kwargs.num_workers";

    private DataLoaderParameters() {
    }

    /** batch_size (default 32) and num_workers (default 0, accepted and unused: images are read on the run's threads). */
    static List<ParameterSpec> specs() {
        return List.of(
                ParameterSpec.of(BATCH_SIZE, ParameterType.INT, 32, Domain.integers(1, 1 << 20), "train images per batch"),
                ParameterSpec.of(WORKERS, ParameterType.INT, 0, Domain.integersFrom(0),
                        "accepted for compatibility; images are read on the run's threads"));
    }

    static int batchSize(MethodParameters parameters) {
        return Math.toIntExact(parameters.getLong(BATCH_SIZE));
    }
}
