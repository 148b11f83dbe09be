package amalgam.merge;

import amalgam.UserInputException;
import amalgam.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A model held as a map of tensors: for tests, and for intermediate models of continual merges. */
public final class InMemoryModelSource implements ModelSource {
    private final String name;
    private final Map<String, Tensor> tensors;

    public InMemoryModelSource(String name, Map<String, Tensor> tensors) {
        this.name = name;
        this.tensors = new TreeMap<>(tensors);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> tensorNames() {
        return new ArrayList<>(tensors.keySet());
    }

    @Override
    public boolean contains(String tensorName) {
        return tensors.containsKey(tensorName);
    }

    @Override
    public Tensor tensor(String tensorName) {
        Tensor tensor = tensors.get(tensorName);
        if (tensor == null) {
            throw new UserInputException("tensor '" + tensorName + "' is missing from model '" + name + "'");
        }
        return tensor;
    }
}
