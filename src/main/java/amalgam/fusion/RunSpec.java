package amalgam.fusion;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code amalgam run}, composed and typed: the method with its parameters, the model pool, the task pool, where
 * results go, and the program's switches.
 *
 * @param method             the method's name as the registry resolves it ({@code adamerging/clip}, {@code iso_c})
 * @param methodParameters   the parameters given or composed, by dotted name ({@code dataloader_kwargs.batch_size})
 * @param modelPool          the model pool
 * @param taskPool           the task pool
 * @param mergedModelSavePath where the fused model is saved (null: not saved)
 * @param reportSavePath     where the report is written (null: not written)
 * @param seed               the run's seed
 * @param fastDevRun         FusionBench's quick end-to-end check (one batch per task, one optimisation step)
 * @param reference          whether reference rows are evaluated (null: for the built-in benchmark only)
 * @param configText         the composed configuration, for the model card
 */
public record RunSpec(String method, Map<String, Object> methodParameters, Pool modelPool, Pool taskPool, Path mergedModelSavePath,
                      Path reportSavePath, long seed, boolean fastDevRun, Boolean reference, String configText,
                      boolean saveTokenizer) {
    public RunSpec {
        methodParameters = Collections.unmodifiableMap(new LinkedHashMap<>(methodParameters));
    }

    /** A model or task pool: none, the built-in benchmark's, or a document (from a file, or composed from a config tree). */
    public sealed interface Pool {
        /** No task pool ({@code taskpool=dummy}): the run only fuses. */
        record None() implements Pool {
        }

        /** The built-in benchmark's pool. */
        record BuiltIn() implements Pool {
        }

        /**
         * A pool document; {@code file} is the YAML file it was read from (relative paths in it may be taken from its
         * folder, and a run never overwrites it), null when composed from a config tree; {@code name} names it in errors.
         */
        record Document(Map<String, Object> document, Path file, String name) implements Pool {
        }
    }

    /** The same run with other method parameters. */
    public RunSpec withMethodParameters(Map<String, Object> parameters) {
        return new RunSpec(method, parameters, modelPool, taskPool, mergedModelSavePath, reportSavePath, seed, fastDevRun, reference,
                configText, saveTokenizer);
    }
}
