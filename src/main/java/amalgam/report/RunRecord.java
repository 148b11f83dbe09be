package amalgam.report;

import amalgam.io.FileDigests;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What one {@code amalgam run} job or {@code amalgam merge} did, as the run database keeps it: the provenance (method,
 * resolved parameters, input models with their digests, seed, software), the composed configuration, the scores, the
 * fused model's size, how it ended and when, and where it ran. Built from what the run already has: its spec, its
 * {@link amalgam.merge.Provenance} and its report.
 *
 * @param uuid        a random identifier, fixed when the run starts (its first hex digits are the short id's hash)
 * @param command     {@code run} or {@code merge}
 * @param dialect     {@code fusionbench} or {@code mergekit}
 * @param method      the method's name in its dialect
 * @param parameters  the method's parameters, every one with its resolved value (defaults included)
 * @param configText  the composed configuration (YAML), as the model card records it
 * @param models      the input models with the SHA-256 of their files (empty when the run stopped before hashing them)
 * @param modelPool   the model pool's name or file (null for a merge)
 * @param taskPool    the task pool's name or file ({@code dummy} when nothing is evaluated; null for a merge)
 * @param scores      per-task metrics of the fused model and of the reference rows
 * @param modelInfo   the fused model's parameter counts, or null when unknown
 * @param diagnostics what the report draws besides the scores (validation scores, continual steps, learned tables)
 * @param seed        the run's seed
 * @param status      how the run ended
 * @param error       the failure's message, or null
 * @param timings     when the run started and ended
 * @param invocation  how it was started
 * @param environment the software and the machine it ran on
 */
public record RunRecord(String uuid, String command, String dialect, String method, Map<String, Object> parameters,
                        String configText, List<ModelInput> models, String modelPool, String taskPool, List<TaskScore> scores,
                        ModelInfo modelInfo, Diagnostics diagnostics, long seed, Status status, String error, Timings timings, Invocation invocation,
                        Environment environment) {
    /** The row name of the fused model's scores (the reference rows are {@code pretrained} and {@code individual}). */
    public static final String FUSED = "fused";

    public RunRecord {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        models = List.copyOf(models);
        scores = List.copyOf(scores);
        diagnostics = diagnostics == null ? Diagnostics.NONE : diagnostics; // records stored before it existed
    }

    /** How a run ended; a run whose process died without saying (SIGKILL, power loss) is {@code interrupted}. */
    public enum Status {
        @JsonProperty("ok") OK,
        @JsonProperty("failed") FAILED,
        @JsonProperty("interrupted") INTERRUPTED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * An input model.
     *
     * @param name   its name in the pool or config
     * @param path   where it was read from
     * @param sha256 the combined digest of its files ({@link FileDigests#combined})
     * @param files  its files with their sizes and SHA-256 digests
     */
    public record ModelInput(String name, String path, String sha256, List<FileDigests.FileDigest> files) {
        public ModelInput {
            files = List.copyOf(files);
        }
    }

    /**
     * One model's metrics on one task.
     *
     * @param model    {@link #FUSED}, {@code pretrained} or {@code individual}
     * @param accuracy the accuracy, or null for a task that has none (a language pool's perplexity)
     * @param loss     the mean loss (a perplexity task's: its mean negative log-likelihood), or null when there is none
     */
    public record TaskScore(String model, String task, Double accuracy, Double loss) {
    }

    /** The fused model's parameter counts (an ensemble or a mixture: all its members'). */
    public record ModelInfo(long trainableParams, long allParams) {
    }

    /**
     * What a run found besides its test scores, for the report's figures.
     *
     * @param validation the fused model's scores on the validation splits (each job of a sweep), else empty
     * @param steps      a continual run's model after every step on the tasks seen so far ({@code evaluate_on_every_step})
     * @param learned    the tables the method learned (AdaMerging's coefficients, an analysis method's matrix)
     */
    public record Diagnostics(List<TaskScore> validation, List<Step> steps, List<LearnedTable> learned) {
        public static final Diagnostics NONE = new Diagnostics(List.of(), List.of(), List.of());

        public Diagnostics {
            validation = validation == null ? List.of() : List.copyOf(validation);
            steps = steps == null ? List.of() : List.copyOf(steps);
            learned = learned == null ? List.of() : List.copyOf(learned);
        }

        /** The mean validation accuracy over the tasks, if the run was evaluated on validation splits. */
        public OptionalDouble averageValidationAccuracy() {
            return mean(validation.stream().filter(score -> score.accuracy() != null).mapToDouble(TaskScore::accuracy).toArray());
        }
    }

    /**
     * The model after continual step {@code index} (from 0), once model {@code model} was merged in, with its scores
     * on the tasks seen so far ({@link TaskScore#model()} is {@link #FUSED}).
     */
    public record Step(int index, String model, List<TaskScore> scores) {
        public Step {
            scores = List.copyOf(scores);
        }
    }

    /** A named table a method learned: {@code values[row][column]}, e.g. one row per task model, one column per layer. */
    public record LearnedTable(String name, List<String> columns, List<String> rows, List<List<Double>> values) {
        public LearnedTable {
            columns = List.copyOf(columns);
            rows = List.copyOf(rows);
            values = values.stream().map(List::copyOf).toList();
        }
    }

    /** When the run started and ended ({@code finishedAt} null while it runs, and for an interrupted run). */
    public record Timings(Instant startedAt, Instant finishedAt) {
        /** The run's wall time, or null when it did not finish. */
        @JsonIgnore
        public Duration duration() {
            return finishedAt == null ? null : Duration.between(startedAt, finishedAt);
        }
    }

    /**
     * How the run was started.
     *
     * @param arguments        the command line after {@code amalgam}
     * @param workingDirectory the folder it ran in
     * @param outputPath       where the fused model was saved, or null
     * @param reportPath       where the report was written, or null
     * @param sweep            the sweep's identifier shared by its jobs ({@code run -m}), or null for a single run
     * @param job              the job's number in its sweep (0 for a single run)
     * @param pid              the process that ran it
     * @param processStart     when that process started (with the pid, tells a live run from a dead one)
     */
    public record Invocation(List<String> arguments, String workingDirectory, String outputPath, String reportPath, String sweep,
                             int job, long pid, Instant processStart) {
        public Invocation {
            arguments = List.copyOf(arguments);
        }
    }

    /**
     * The software and the machine.
     *
     * @param software    amalgam, Java, OS/arch and BLAS backend, as the provenance records them
     * @param cores       available processors
     * @param memoryBytes the machine's physical memory
     * @param os          OS name, version and architecture
     * @param jvm         the JVM's vendor, name and version
     * @param host        the host name
     */
    public record Environment(Map<String, String> software, int cores, long memoryBytes, String os, String jvm, String host) {
        public Environment {
            software = Collections.unmodifiableMap(new LinkedHashMap<>(software));
        }
    }

    /** The first six hex digits of the uuid: the hash half of the run's short id. */
    @JsonIgnore
    public String shortHash() {
        return uuid.replace("-", "").substring(0, 6);
    }

    /** The tasks one row of scores covers, in the run's order. */
    public List<String> tasks(String model) {
        List<String> tasks = new ArrayList<>();
        for (TaskScore score : scores) {
            if (score.model().equals(model)) {
                tasks.add(score.task());
            }
        }
        return tasks;
    }

    /** One model's accuracy on one task, if it was evaluated there. */
    public OptionalDouble accuracy(String model, String task) {
        for (TaskScore score : scores) {
            if (score.model().equals(model) && score.task().equals(task)) {
                return score.accuracy() == null ? OptionalDouble.empty() : OptionalDouble.of(score.accuracy());
            }
        }
        return OptionalDouble.empty();
    }

    /** The mean accuracy of one row over its tasks (FusionBench's {@code average}), if it has any. */
    public OptionalDouble averageAccuracy(String model) {
        return mean(scores.stream().filter(score -> score.model().equals(model) && score.accuracy() != null).mapToDouble(TaskScore::accuracy)
                .toArray());
    }

    /** The mean loss of one row over its tasks. */
    public OptionalDouble averageLoss(String model) {
        return mean(scores.stream().filter(score -> score.model().equals(model) && score.loss() != null).mapToDouble(TaskScore::loss)
                .toArray());
    }

    /** The plain mean, summed in order as the run's report sums its {@code average} (a stream's average compensates). */
    static OptionalDouble mean(double[] values) {
        if (values.length == 0) {
            return OptionalDouble.empty();
        }
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return OptionalDouble.of(sum / values.length);
    }

    /** The record with how the run ended. */
    public RunRecord ended(Status newStatus, String newError, Instant finishedAt) {
        return new RunRecord(uuid, command, dialect, method, parameters, configText, models, modelPool, taskPool, scores, modelInfo,
                diagnostics, seed, newStatus, newError, new Timings(timings.startedAt(), finishedAt), invocation, environment);
    }

    /** The record with the provenance's resolved parameters, hashed inputs and software (with the BLAS backend). */
    public RunRecord withProvenance(Map<String, Object> resolvedParameters, List<ModelInput> inputs, Map<String, String> software) {
        Environment withSoftware = new Environment(software, environment.cores(), environment.memoryBytes(), environment.os(),
                environment.jvm(), environment.host());
        return new RunRecord(uuid, command, dialect, method, resolvedParameters, configText, inputs, modelPool, taskPool, scores,
                modelInfo, diagnostics, seed, status, error, timings, invocation, withSoftware);
    }

    /** The record with the report's results. */
    public RunRecord withResults(List<TaskScore> newScores, ModelInfo newModelInfo, Diagnostics newDiagnostics) {
        return new RunRecord(uuid, command, dialect, method, parameters, configText, models, modelPool, taskPool, newScores,
                newModelInfo, newDiagnostics, seed, status, error, timings, invocation, environment);
    }
}
