package amalgam.mergekit.method;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The built-in mergekit methods, registered in one explicit list. */
public final class MergekitMethods {
    private static final Map<String, MergeMethod> METHODS = build();

    private MergekitMethods() {
    }

    private static Map<String, MergeMethod> build() {
        List<MergeMethod> all = new ArrayList<>(List.of(Linear.DECLARATION, Slerp.DECLARATION, Nuslerp.DECLARATION,
                Multislerp.DECLARATION, Karcher.DECLARATION, Sce.DECLARATION, Ram.RAM, Ram.RAM_PLUS, ModelStock.DECLARATION,
                Nearswap.DECLARATION, ArceeFusion.DECLARATION, Passthrough.DECLARATION));
        all.addAll(GeneralizedTaskArithmetic.variants());
        Map<String, MergeMethod> byName = new LinkedHashMap<>();
        for (MergeMethod method : all) {
            byName.put(method.name(), method);
        }
        return Map.copyOf(byName);
    }

    /** The method registered under {@code name}; an error listing the known names otherwise. */
    public static MergeMethod get(String name) {
        MergeMethod method = METHODS.get(name);
        if (method == null) {
            throw new UserInputException("unknown merge_method '" + name + "'; known methods: "
                    + String.join(", ", new java.util.TreeSet<>(METHODS.keySet())));
        }
        return method;
    }

    public static List<String> names() {
        return List.copyOf(new java.util.TreeSet<>(METHODS.keySet()));
    }
}
