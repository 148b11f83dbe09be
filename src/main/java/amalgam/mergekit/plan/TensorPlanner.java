package amalgam.mergekit.plan;

import amalgam.UserInputException;
import amalgam.merge.NonFiniteInputs;
import amalgam.merge.TensorJob;
import amalgam.mergekit.arch.WeightSpec;
import amalgam.mergekit.config.MergeConfig;
import amalgam.mergekit.config.ModelReference;
import amalgam.mergekit.config.OutputSlice;
import amalgam.mergekit.config.ParameterSetting;
import amalgam.mergekit.config.SliceSource;
import amalgam.mergekit.method.MergeMethod;
import amalgam.mergekit.method.MergekitParameter;
import amalgam.mergekit.tokenizer.EmbeddingRowPlan;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Plans one output tensor: finds each source model's stored tensor (name, aliases, then tied names), resolves
 * parameters with mergekit's precedence (spec 1.5) and fixes output shape and dtype. With a merged vocabulary,
 * embedding-like tensors get the plan that re-indexes their rows to it.
 */
final class TensorPlanner {
    private final MergeConfig config;
    private final MergeMethod method;
    private final Map<ModelReference, OpenedModel> models;
    private final long seed;
    private final DType workingDType;
    private final DType outDType;
    private final VocabularyMerge vocabulary;
    private final NonFiniteInputs nonFiniteInputs;

    /** @param vocabulary the merged vocabulary embedding-like tensors are re-indexed to, or null to keep them */
    TensorPlanner(MergeConfig config, MergeMethod method, Map<ModelReference, OpenedModel> models, long seed,
                  DType workingDType, DType outDType, VocabularyMerge vocabulary, NonFiniteInputs nonFiniteInputs) {
        this.nonFiniteInputs = nonFiniteInputs;
        this.config = config;
        this.method = method;
        this.models = models;
        this.seed = seed;
        this.workingDType = workingDType;
        this.outDType = outDType;
        this.vocabulary = vocabulary;
    }

    /**
     * @param weight     the architecture's weight (a template for layer weights)
     * @param outputName name in the output checkpoint
     * @param sources    models to read, each with its input layer index (-1 outside layers)
     * @param t          layer position in [0, 1] for gradients
     * @return the job, or empty when the weight is optional and no model has it
     */
    Optional<TensorJob> plan(WeightSpec weight, String outputName, OutputSlice slice, Map<ModelReference, Integer> sources,
                             double t) {
        ModelReference base = slice.baseModel() != null ? slice.baseModel() : config.baseModel();
        List<InputTensor> inputs = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<ModelReference> references = new ArrayList<>();
        List<DType> storedTypes = new ArrayList<>();
        int baseIndex = -1;
        boolean anyUnderOwnName = false;
        int modelIndex = 0;
        for (Map.Entry<ModelReference, Integer> source : sources.entrySet()) {
            OpenedModel model = models.get(source.getKey());
            WeightSpec input = source.getValue() < 0 ? weight : weight.atLayer(source.getValue());
            String stored = null;
            for (String candidate : input.lookupNames()) {
                if (model.source().contains(candidate)) {
                    stored = candidate;
                    break;
                }
            }
            int index = modelIndex++;
            if (stored == null) {
                if (input.optional()) {
                    continue;
                }
                throw new UserInputException("tensor '" + input.name() + "' is missing from model '" + source.getKey() + "'");
            }
            anyUnderOwnName |= !input.tiedNames().contains(stored);
            boolean isBase = source.getKey().equals(base);
            if (isBase) {
                baseIndex = inputs.size();
            }
            shapes.add(model.source().shapeOf(stored));
            storedTypes.add(model.source().dtypeOf(stored));
            names.add(source.getKey().toString());
            references.add(source.getKey());
            inputs.add(new InputTensor(model.source(), source.getKey().toString(), stored, index,
                    tensorParameters(slice, source.getKey(), input.name(), t, isBase)));
        }
        if (inputs.isEmpty() || (weight.optional() && !anyUnderOwnName)) {
            if (inputs.isEmpty() && !weight.optional()) {
                throw new UserInputException("tensor '" + outputName + "' has no source model");
            }
            return Optional.empty();
        }
        EmbeddingRowPlan rowPlan = null;
        if (vocabulary != null && weight.isEmbed()) {
            rowPlan = vocabulary.rowPlan(outputName, references, shapes, baseIndex);
            shapes = Collections.nCopies(shapes.size(), rowPlan.shape());
        }
        Shape shape = method.shapeRule().outputShape(outputName, weight.isEmbed(), shapes, names, baseIndex);
        DType stored = storedTypes.get(baseIndex >= 0 ? baseIndex : 0);
        DType working = workingDType != null ? workingDType : (stored.isFloatingPoint() ? stored : DType.F32);
        DType output = outDType != null ? outDType : workingDType != null ? workingDType : stored;
        return Optional.of(new MergeTensorJob(outputName, output, shape, weight.isEmbed(), method, inputs, baseIndex,
                globalParameters(slice, outputName, t), working, seed, rowPlan, nonFiniteInputs));
    }

    /** Global parameters, evaluated against the output name: slice, then top level, then the default. */
    private Map<String, Double> globalParameters(OutputSlice slice, String outputName, double t) {
        Map<String, Double> values = new HashMap<>();
        for (MergekitParameter spec : method.globalParameters()) {
            OptionalDouble value = firstValue(outputName, t, slice.parameters().get(spec.name()), config.parameters().get(spec.name()));
            Double resolved = value.isPresent() ? Double.valueOf(value.getAsDouble()) : spec.defaultValue();
            if (resolved == null && spec.required()) {
                throw new UserInputException("Missing required parameter " + spec.name() + " for tensor " + outputName
                        + " (merge_method " + method.name() + " reads it from the slice or top-level 'parameters',"
                        + " not from a model's)");
            }
            if (resolved != null) {
                ParameterDomains.checkEvaluated(method, spec, resolved, "tensor " + outputName);
            }
            values.put(spec.name(), resolved);
        }
        return values;
    }

    /**
     * Per-model parameters, evaluated against the model's input tensor name: the first slice source of this model
     * that sets the name, then the slice, then the top level, then the default.
     */
    private Map<String, Double> tensorParameters(OutputSlice slice, ModelReference model, String inputName, double t,
                                                 boolean isBase) {
        Map<String, Double> values = new HashMap<>();
        for (MergekitParameter spec : method.tensorParameters()) {
            ParameterSetting fromSource = null;
            for (SliceSource source : slice.sources()) {
                if (source.model().equals(model) && source.parameters().containsKey(spec.name())) {
                    fromSource = source.parameters().get(spec.name());
                    break;
                }
            }
            OptionalDouble value = firstValue(inputName, t, fromSource, slice.parameters().get(spec.name()),
                    config.parameters().get(spec.name()));
            Double resolved = value.isPresent() ? Double.valueOf(value.getAsDouble()) : spec.defaultValue();
            if (resolved == null && spec.required() && !isBase) {
                throw new UserInputException("Missing required parameter " + spec.name() + " for " + model + "." + inputName);
            }
            if (resolved != null) {
                ParameterDomains.checkEvaluated(method, spec, resolved, model + "." + inputName);
            }
            values.put(spec.name(), resolved);
        }
        return values;
    }

    private static OptionalDouble firstValue(String tensorName, double t, ParameterSetting... levels) {
        for (ParameterSetting level : levels) {
            if (level != null) {
                OptionalDouble value = level.evaluate(tensorName, t);
                if (value.isPresent()) {
                    return value;
                }
            }
        }
        return OptionalDouble.empty();
    }
}
