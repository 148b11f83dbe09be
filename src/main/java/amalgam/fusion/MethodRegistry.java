package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.fusion.closedform.FisherMerging;
import amalgam.fusion.closedform.Gpt2FisherMerging;
import amalgam.fusion.closedform.Gpt2RegMean;
import amalgam.fusion.closedform.RegMean;
import amalgam.fusion.closedform.RegMeanPlusPlus;
import amalgam.fusion.closedform.TrustRegionTaskArithmetic;
import amalgam.fusion.method.AdaMerging;
import amalgam.fusion.method.Gpt2AdaMerging;
import amalgam.fusion.method.ConcreteAdaMerging;
import amalgam.fusion.method.ConcreteTaskArithmetic;
import amalgam.fusion.method.RepresentationSurgery;
import amalgam.fusion.method.ContinualMerging;
import amalgam.fusion.method.ContinualTiesMerging;
import amalgam.fusion.method.DareTaskArithmetic;
import amalgam.fusion.method.DareTiesMerging;
import amalgam.fusion.method.Dummy;
import amalgam.fusion.method.analysis.TaskVectorCosSimilarity;
import amalgam.fusion.method.analysis.TaskVectorViolinPlot;
import amalgam.fusion.method.EmrMerging;
import amalgam.fusion.method.Ensembles;
import amalgam.fusion.method.FrankWolfeMerging;
import amalgam.fusion.method.FrankWolfeSoftMerging;
import amalgam.fusion.method.IsotropicMerging;
import amalgam.fusion.method.MagMax;
import amalgam.fusion.method.ModelStockMerging;
import amalgam.fusion.method.Opcm;
import amalgam.fusion.method.SimpleAverage;
import amalgam.fusion.method.CausalLmMethods;
import amalgam.fusion.method.SingularValueCalibration;
import amalgam.fusion.method.SlerpMerging;
import amalgam.fusion.method.SmileUpscaling;
import amalgam.fusion.method.AdaSvd;
import amalgam.fusion.method.RankOneMoe;
import amalgam.fusion.method.SmileDecoderUpscaling;
import amalgam.fusion.method.WeightEnsemblingMoe;
import amalgam.fusion.method.TallMaskTaskArithmetic;
import amalgam.fusion.method.TaskArithmetic;
import amalgam.fusion.method.TaskSingularVectorMerging;
import amalgam.fusion.method.TiesMerging;
import amalgam.fusion.method.WeightedAverage;
import amalgam.fusion.method.DogeTa;
import amalgam.fusion.method.Wudi;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.upscale.DepthUpscaling;
import amalgam.fusion.upscale.MixtralMoe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The built-in FusionBench methods (one explicit list) and name resolution: a method is named by its config name
 * ({@code isotropic_merging/iso_c}), one of its aliases ({@code iso_c}), or the last segment of its config name
 * when that is unambiguous.
 */
public final class MethodRegistry {
    private static final List<MethodDeclaration> BUILT_INS = builtInList();

    private static List<MethodDeclaration> builtInList() {
        List<MethodDeclaration> all = new ArrayList<>(List.of(
            Dummy.DECLARATION,
            TaskVectorCosSimilarity.DECLARATION,
            TaskVectorViolinPlot.DECLARATION,
            SimpleAverage.DECLARATION,
            WeightedAverage.DECLARATION,
            TaskArithmetic.DECLARATION,
            TiesMerging.DECLARATION,
            DareTaskArithmetic.DECLARATION,
            DareTaskArithmetic.SIMPLE_AVERAGE,
            DareTiesMerging.DECLARATION,
            MagMax.DECLARATION,
            ModelStockMerging.DECLARATION,
            SlerpMerging.DECLARATION,
            TaskSingularVectorMerging.DECLARATION,
            IsotropicMerging.ISO_C,
            IsotropicMerging.ISO_CTS,
            Opcm.DECLARATION,
            ContinualMerging.TASK_ARITHMETIC,
            ContinualTiesMerging.DECLARATION,
            ContinualMerging.WEIGHT_AVERAGE,
            Wudi.DECLARATION,
            DogeTa.DECLARATION,
            EmrMerging.DECLARATION,
            TallMaskTaskArithmetic.DECLARATION,
            Ensembles.SIMPLE,
            Ensembles.WEIGHTED,
            Ensembles.MAX,
            FrankWolfeMerging.DECLARATION,
            FrankWolfeSoftMerging.DECLARATION,
            FisherMerging.DECLARATION,
            RegMean.DECLARATION,
            Gpt2FisherMerging.DECLARATION,
            Gpt2RegMean.DECLARATION,
            RegMeanPlusPlus.DECLARATION,
            TrustRegionTaskArithmetic.DECLARATION,
            AdaMerging.CLIP,
            AdaMerging.LAYER_WISE,
            AdaMerging.TASK_WISE,
            Gpt2AdaMerging.DECLARATION,
            ConcreteTaskArithmetic.DECLARATION,
            ConcreteAdaMerging.TASK_WISE,
            ConcreteAdaMerging.LAYER_WISE,
            RepresentationSurgery.DECLARATION,
            SmileUpscaling.DECLARATION,
            AdaSvd.DECLARATION,
            WeightEnsemblingMoe.DECLARATION,
            WeightEnsemblingMoe.SPARSE,
            RankOneMoe.DECLARATION));
        all.addAll(SingularValueCalibration.DECLARATIONS);
        all.addAll(CausalLmMethods.DECLARATIONS);
        all.add(DepthUpscaling.DECLARATION);
        all.addAll(MixtralMoe.DECLARATIONS);
        all.addAll(SmileDecoderUpscaling.DECLARATIONS);
        return List.copyOf(all);
    }

    private MethodRegistry() {
    }

    public static List<MethodDeclaration> builtIns() {
        return BUILT_INS;
    }

    /** The declaration a user-given name refers to; a {@link UserInputException} listing the valid names if none. */
    public static MethodDeclaration resolve(String name) {
        for (MethodDeclaration declaration : BUILT_INS) {
            if (declaration.configName().equals(name)) {
                return declaration;
            }
        }
        for (MethodDeclaration declaration : BUILT_INS) {
            if (declaration.aliases().contains(name)) {
                return declaration;
            }
        }
        List<MethodDeclaration> bySegment = BUILT_INS.stream().filter(d -> d.shortName().equals(name)).toList();
        if (bySegment.size() == 1) {
            return bySegment.getFirst();
        }
        String valid = BUILT_INS.stream().map(MethodDeclaration::configName).collect(Collectors.joining(", "));
        if (bySegment.size() > 1) {
            throw new UserInputException("method name '" + name + "' is ambiguous; use one of: "
                    + bySegment.stream().map(MethodDeclaration::configName).collect(Collectors.joining(", ")));
        }
        throw new UserInputException("unknown method '" + name + "'; valid methods: " + valid);
    }

    /** The configured method for a name and parameter overrides (values as YAML text or parsed YAML values). */
    public static FusionMethod create(String name, Map<String, ?> parameters) {
        MethodDeclaration declaration = resolve(name);
        return declaration.create(MethodParameters.resolve(declaration.configName(), declaration.parameters(), parameters));
    }

    /** A data-free merge by name (benchmarks and tests that plan tensor jobs directly); bad input for other methods. */
    public static FusionAlgorithm createMerge(String name, Map<String, ?> parameters) {
        FusionMethod method = create(name, parameters);
        if (!(method instanceof FusionAlgorithm merge)) {
            throw new UserInputException("method '" + name + "' is not a data-free merge");
        }
        return merge;
    }

    /**
     * The configured method from a run's parsed overrides: {@code method} names it (default {@code task_arithmetic},
     * the built-in run's method) and every {@code method.NAME} key sets a parameter. Keys outside {@code method}
     * belong to the rest of the run and are ignored here.
     */
    public static FusionMethod fromOverrides(Map<String, ?> overrides) {
        Object name = overrides.containsKey("method") ? overrides.get("method") : TaskArithmetic.DECLARATION.configName();
        if (!(name instanceof String methodName) || methodName.isBlank()) {
            throw new UserInputException("'method' must name a fusion method, got '" + name + "'");
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        overrides.forEach((key, value) -> {
            if (key.startsWith("method.")) {
                parameters.put(key.substring("method.".length()), value);
            }
        });
        return create(methodName, parameters);
    }

    /** Every parameter name of a method, for help texts. */
    public static List<String> parameterNames(String name) {
        List<String> names = new ArrayList<>();
        resolve(name).parameters().forEach(p -> names.add(p.name()));
        return names;
    }
}
