package amalgam.fusion;

import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.fusion.taskpool.TaskMetrics;
import amalgam.io.OutputDirectory;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.merge.EngineOptions;
import amalgam.merge.FusedModelSpec;
import amalgam.merge.FusedModelWriter;
import amalgam.merge.ModelSource;
import amalgam.merge.TensorJob;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.model.clip.EnsembleCheckpoint;
import amalgam.model.clip.EnsembleEmbedder;
import amalgam.nn.Parameters;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Saves and evaluates an ensemble: the members unchanged, each in its own folder, with {@link EnsembleCheckpoint}'s
 * description and the shared projection; evaluation reads the saved folder back (or, without a save path, runs the
 * members from the pool in memory).
 */
final class EnsembleOutput {
    private final FusionResult.Ensemble ensemble;
    private final Supplier<ClipVisionFamily> family;
    private final EngineOptions engine;

    EnsembleOutput(FusionResult.Ensemble ensemble, Supplier<ClipVisionFamily> family, EngineOptions engine) {
        this.ensemble = ensemble;
        this.family = family;
        this.engine = engine;
    }

    /** model_info counts every member (FusionBench: T × one model's parameters); then save, then evaluate. */
    Map<String, TaskMetrics> saveAndEvaluate(OutputDirectory output, FusedModelSpec spec, ImageTaskPool taskPool, RunReport report) {
        Map<String, List<TensorJob>> members = memberJobs();
        long parameters = members.values().stream().flatMap(List::stream).filter(job -> job.outputDType().isFloatingPoint())
                .mapToLong(job -> job.outputShape().elementCount()).sum();
        report.putModelInfo(parameters, parameters);
        if (output != null) {
            Path staging = output.stagingFor(new FusedModelWriter(engine).runKey(members, spec));
            new FusedModelWriter(engine).writePerTaskInto(staging, members, spec);
            writeProjection(staging.resolve(EnsembleCheckpoint.PROJECTION_FILE));
            List<EnsembleCheckpoint.Member> described = new ArrayList<>();
            for (int i = 0; i < ensemble.members().size(); i++) {
                String name = ensemble.members().get(i).name();
                described.add(new EnsembleCheckpoint.Member(name, name, ensemble.weights().get(i)));
            }
            EnsembleCheckpoint.writeDescription(staging, ensemble.combination(), described);
            output.publish();
            return taskPool == null ? Map.of() : taskPool.evaluate(output.target(), engine.threads());
        }
        return taskPool == null ? Map.of() : evaluateInMemory(taskPool);
    }

    private Map<String, TaskMetrics> evaluateInMemory(ImageTaskPool taskPool) {
        ClipVisionFamily clip = family.get();
        try (Arena arena = Arena.ofShared()) {
            List<Parameters> params = new ArrayList<>();
            for (ModelSource member : ensemble.members()) {
                params.add(clip.parameters(member, arena));
            }
            Tensor projection = clip.projection(arena);
            double[] weights = ensemble.weights().stream().mapToDouble(Double::doubleValue).toArray();
            return taskPool.evaluate(threads -> new EnsembleEmbedder(clip.model(), params, weights, ensemble.combination(),
                    projection, threads), clip.model().config().vision().imageSize(), taskPool.taskNames(), engine.threads());
        }
    }

    /** Each member's tensors unchanged, under its pool name. */
    private Map<String, List<TensorJob>> memberJobs() {
        Map<String, List<TensorJob>> members = new LinkedHashMap<>();
        for (ModelSource member : ensemble.members()) {
            List<TensorJob> jobs = new ArrayList<>();
            for (String name : member.tensorNames()) {
                jobs.add(PerTensorPlan.passThrough(member, name, member.dtypeOf(name), member.shapeOf(name)));
            }
            members.put(member.name(), jobs);
        }
        return members;
    }

    private void writeProjection(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor projection = family.get().projection(arena);
            java.util.SequencedMap<String, String> metadata = new java.util.LinkedHashMap<>(SafetensorsWriter.PT_FORMAT);
            metadata.put("amalgam.output", "ensemble projection");
            try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(new TensorEntry("visual_projection.weight",
                    DType.F32, projection.shape())), metadata)) {
                writer.write("visual_projection.weight", projection);
                writer.commit();
            }
        }
    }
}
