package amalgam.fusion.method.analysis;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.LearnedCoefficients;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.method.Dummy;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.io.OutputDirectory;
import amalgam.merge.ModelSource;
import amalgam.param.Domain;
import amalgam.report.chart.Heatmap;
import amalgam.report.chart.Svg;
import java.util.List;

/**
 * FusionBench {@code analysis/task_vector_cos_similarity}: the pairwise cosine similarity of the task models' task
 * vectors (all floating-point tensors flattened, float64 sums). The run's model is the pretrained one, as
 * FusionBench returns it; the matrix is in the report (and beside a saved model) as
 * {@code task_vector_cos_similarity}, and with {@code output_path} written there as
 * {@code task_vector_cos_similarity.csv} (pandas' layout) and, with {@code plot_heatmap}, an SVG heatmap (FusionBench
 * draws a PDF). {@code max_points_per_model} compares a seeded sample of positions, the same positions for every
 * model (FusionBench draws each model's sample independently, which compares unrelated entries).
 */
public final class TaskVectorCosSimilarity implements FusionMethod {
    public static final String NAME = "task_vector_cos_similarity";
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("analysis/task_vector_cos_similarity", List.of(),
            "no merge: the pairwise cosine similarity of the task vectors (report; CSV and SVG heatmap in output_path)",
            List.of(ParameterSpec.of("plot_heatmap", ParameterType.BOOL, true, "also draw the matrix (SVG) in output_path"),
                    ParameterSpec.of("trainable_only", ParameterType.BOOL, true,
                            "accepted: amalgam's models hold only parameters, every floating-point tensor counts"),
                    ParameterSpec.nullable("max_points_per_model", ParameterType.INT, null, Domain.integersFrom(1),
                            "compare a seeded sample of this many positions (null: all)"),
                    ParameterSpec.nullable("output_path", ParameterType.STRING, null, "folder for the CSV and the figure (null: none)")),
            parameters -> new TaskVectorCosSimilarity(parameters.getBoolean("plot_heatmap"),
                    parameters.get("max_points_per_model") == null ? 0 : parameters.getLong("max_points_per_model"),
                    (String) parameters.get("output_path")));

    private final boolean plotHeatmap;
    private final long maxPoints;
    private final String outputPath;

    public TaskVectorCosSimilarity(boolean plotHeatmap, long maxPoints, String outputPath) {
        this.plotHeatmap = plotHeatmap;
        this.maxPoints = maxPoints;
        this.outputPath = outputPath;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        ModelSource pretrained = TaskVectors.pretrained(context.pool(), DECLARATION.configName());
        List<ModelSource> models = context.pool().models();
        AnalysisOutput output = new AnalysisOutput(outputPath);
        try (OutputDirectory claimed = output.claim()) {
            double[] similarity = similarity(pretrained, models, context.seed());
            List<String> names = models.stream().map(ModelSource::name).toList();
            output.add(NAME + ".csv", Tables.csv(names, names, similarity));
            if (plotHeatmap) {
                output.add(NAME + ".svg", Svg.standalone(Heatmap.svg("Cosine similarity of task vectors", names, names, similarity)));
            }
            output.publish(claimed);
            float[] values = new float[similarity.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) similarity[i];
            }
            return new FusionResult.MergedModel(new Dummy().plan(context.pool(), context.seed()),
                    List.of(new LearnedCoefficients(NAME, names, names, values)));
        }
    }

    /** [T, T] cosines; entries not sampled are skipped alike in every model. */
    private double[] similarity(ModelSource pretrained, List<ModelSource> models, long seed) {
        int count = models.size();
        double[] dots = new double[count * count];
        SampledPositions sample = SampledPositions.of(TaskVectors.length(pretrained), maxPoints, seed);
        TaskVectors.stream(pretrained, models, (name, offset, vectors) -> sample.forEachIn(offset, vectors[0].elementCount(), i -> {
            for (int a = 0; a < count; a++) {
                double x = vectors[a].getFloat(i);
                for (int b = a; b < count; b++) {
                    dots[a * count + b] += x * vectors[b].getFloat(i);
                }
            }
        }));
        double[] cosines = new double[count * count];
        for (int a = 0; a < count; a++) {
            for (int b = a; b < count; b++) {
                double denominator = Math.sqrt(dots[a * count + a]) * Math.sqrt(dots[b * count + b]);
                // torch's cosine_similarity clamps the norms' product at 1e-8
                double cosine = dots[a * count + b] / Math.max(denominator, 1e-8);
                cosines[a * count + b] = cosine;
                cosines[b * count + a] = cosine;
            }
        }
        return cosines;
    }
}
