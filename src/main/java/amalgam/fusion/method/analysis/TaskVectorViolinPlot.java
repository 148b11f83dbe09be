package amalgam.fusion.method.analysis;

import amalgam.UserInputException;
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
import amalgam.report.chart.Svg;
import amalgam.report.chart.Violins;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * FusionBench {@code analysis/task_vector_violin_plot}: the distribution of each task vector's entries (a seeded
 * sample of {@code max_points_per_model} positions, the same for every model; null: all), drawn as violins of the
 * values and of their absolute values ({@code task_vector_violin.svg}, {@code task_vector_violin_abs.svg} in
 * {@code output_path}; FusionBench draws PDFs). The run's model is the pretrained one; the report carries each
 * model's summary of the sampled values as {@code task_vector_values} (min, quartiles, max, mean, standard deviation).
 */
public final class TaskVectorViolinPlot implements FusionMethod {
    public static final String NAME = "task_vector_values";
    static final List<String> STATISTICS = List.of("min", "q1", "median", "q3", "max", "mean", "std");
    public static final MethodDeclaration DECLARATION = new MethodDeclaration("analysis/task_vector_violin_plot", List.of(),
            "no merge: violin plots of the task vectors' values and absolute values (report summary; SVGs in output_path)",
            List.of(ParameterSpec.of("trainable_only", ParameterType.BOOL, true,
                            "accepted: amalgam's models hold only parameters, every floating-point tensor counts"),
                    ParameterSpec.nullable("max_points_per_model", ParameterType.INT, 1000L, Domain.integersFrom(1),
                            "a seeded sample of this many positions per model (null: all)"),
                    ParameterSpec.nullable("fig_kwargs", ParameterType.STRING, null,
                            "matplotlib figure options in FusionBench; amalgam draws SVG itself: only null"),
                    ParameterSpec.nullable("output_path", ParameterType.STRING, null, "folder for the two figures (null: none)")),
            parameters -> {
                if (parameters.get("fig_kwargs") != null) {
                    throw new UserInputException("method 'analysis/task_vector_violin_plot': fig_kwargs are matplotlib's figure"
                            + " options; amalgam draws its SVG figures itself, so only fig_kwargs=null is accepted");
                }
                return new TaskVectorViolinPlot(parameters.get("max_points_per_model") == null ? 0
                        : parameters.getLong("max_points_per_model"), (String) parameters.get("output_path"));
            });

    private final long maxPoints;
    private final String outputPath;

    public TaskVectorViolinPlot(long maxPoints, String outputPath) {
        this.maxPoints = maxPoints;
        this.outputPath = outputPath;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        ModelSource pretrained = TaskVectors.pretrained(context.pool(), DECLARATION.configName());
        List<ModelSource> models = context.pool().models();
        AnalysisOutput output = new AnalysisOutput(outputPath);
        try (OutputDirectory claimed = output.claim()) {
            List<double[]> values = sampled(pretrained, models, context.seed());
            List<String> names = models.stream().map(ModelSource::name).toList();
            output.add("task_vector_violin.svg", Svg.standalone(Violins.svg("Distribution of task vector values", "task vector values", names, values)));
            output.add("task_vector_violin_abs.svg", Svg.standalone(Violins.svg("Distribution of task vector absolute values",
                    "absolute values", names, values.stream().map(v -> Arrays.stream(v).map(Math::abs).toArray()).toList())));
            output.publish(claimed);
            float[] table = new float[names.size() * STATISTICS.size()];
            for (int m = 0; m < names.size(); m++) {
                double[] summary = summary(values.get(m));
                for (int s = 0; s < summary.length; s++) {
                    table[m * STATISTICS.size() + s] = (float) summary[s];
                }
            }
            return new FusionResult.MergedModel(new Dummy().plan(context.pool(), context.seed()),
                    List.of(new LearnedCoefficients(NAME, names, STATISTICS, table)));
        }
    }

    private List<double[]> sampled(ModelSource pretrained, List<ModelSource> models, long seed) {
        long length = TaskVectors.length(pretrained);
        long kept = maxPoints <= 0 || maxPoints >= length ? length : maxPoints;
        if (kept > Integer.MAX_VALUE - 8) {
            throw new UserInputException("method 'analysis/task_vector_violin_plot': " + kept + " values per model do not fit in"
                    + " memory; set max_points_per_model");
        }
        List<double[]> values = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            values.add(new double[(int) kept]);
        }
        SampledPositions sample = SampledPositions.of(length, maxPoints, seed);
        int[] next = {0};
        TaskVectors.stream(pretrained, models, (name, offset, vectors) -> sample.forEachIn(offset, vectors[0].elementCount(), i -> {
            for (int m = 0; m < vectors.length; m++) {
                values.get(m)[next[0]] = vectors[m].getFloat(i);
            }
            next[0]++;
        }));
        return values;
    }

    /** min, q1, median, q3, max (linear interpolation, as numpy's default), mean, sample standard deviation. */
    static double[] summary(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(sorted).average().orElse(0);
        double squares = Arrays.stream(sorted).map(v -> (v - mean) * (v - mean)).sum();
        return new double[] {sorted[0], quantile(sorted, 0.25), quantile(sorted, 0.5), quantile(sorted, 0.75),
            sorted[sorted.length - 1], mean, Math.sqrt(squares / Math.max(1, sorted.length - 1))};
    }

    private static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
