package amalgam.model.lm;

import amalgam.merge.ModelSource;
import amalgam.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A sequence classifier whose backbone is another model's: FusionBench's GPT-2 GLUE evaluation, where each task's
 * classifier gets the merged backbone ({@code classifier.transformer = merged}). Names under {@code prefix}
 * ({@code transformer.}) come from {@code backbone} — a bare backbone stores them without the prefix, a whole model
 * with it — every other name (the {@code score} head) from {@code classifier}.
 */
public record HeadOnBackbone(ModelSource backbone, ModelSource classifier, String prefix) implements ModelSource {
    @Override
    public String name() {
        return classifier.name() + " on " + backbone.name();
    }

    @Override
    public List<String> tensorNames() {
        List<String> names = new ArrayList<>();
        classifier.tensorNames().stream().filter(name -> !name.startsWith(prefix)).forEach(names::add);
        backbone.tensorNames().forEach(name -> names.add(name.startsWith(prefix) ? name : prefix + name));
        return names;
    }

    @Override
    public boolean contains(String tensorName) {
        return tensorName.startsWith(prefix) ? backboneName(tensorName) != null : classifier.contains(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        return tensorName.startsWith(prefix) ? backbone.tensor(requireBackboneName(tensorName)) : classifier.tensor(tensorName);
    }

    @Override
    public void release(String tensorName) {
        if (tensorName.startsWith(prefix)) {
            backbone.release(requireBackboneName(tensorName));
        } else {
            classifier.release(tensorName);
        }
    }

    /** The backbone's name for a prefixed name: without the prefix if it stores it so, else as given; null if absent. */
    private String backboneName(String tensorName) {
        String bare = tensorName.substring(prefix.length());
        return backbone.contains(bare) ? bare : backbone.contains(tensorName) ? tensorName : null;
    }

    private String requireBackboneName(String tensorName) {
        String name = backboneName(tensorName);
        if (name == null) {
            throw new IllegalArgumentException("backbone '" + backbone.name() + "' has no tensor for '" + tensorName + "'");
        }
        return name;
    }
}
