package amalgam.fusion.upscale;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * FusionBench's {@code layer_indices}: the new model's layers, in order, as indices into the source model's layer
 * list. An integer entry is one layer; a string entry is a {@link RangeExpression} whose values are appended in
 * order ({@code [0, 2, "range(6,12)"]} is layers 0, 2, 6, ..., 11). Indices are Python list indices, as FusionBench
 * indexes the model's {@code ModuleList}: {@code -1} is the last layer, and anything outside [-L, L) is an error.
 */
record LayerIndices(List<Entry> entries) {
    /** One entry as written: a layer or a range of layers. */
    sealed interface Entry {
        String written();
    }

    record Layer(long index) implements Entry {
        @Override
        public String written() {
            return Long.toString(index);
        }
    }

    record Range(RangeExpression range, String written) implements Entry {
    }

    LayerIndices {
        entries = List.copyOf(entries);
    }

    /**
     * Reads the parameter's normalized entries (Long or String, see
     * {@link amalgam.fusion.param.ParameterType#INT_OR_STRING_LIST}); a string that is not a range call is an error
     * naming it and {@code method}.
     */
    static LayerIndices parse(List<?> values, String method) {
        List<Entry> entries = new ArrayList<>();
        for (Object value : values) {
            switch (value) {
                case Long index -> entries.add(new Layer(index));
                case String text -> {
                    try {
                        entries.add(new Range(RangeExpression.parse(text), text));
                    } catch (IllegalArgumentException e) {
                        throw new UserInputException("parameter 'layer_indices' of method '" + method + "': entry '" + text
                                + "' is not a layer list amalgam evaluates: " + e.getMessage());
                    }
                }
                default -> throw new IllegalArgumentException("layer_indices entry " + value + " is neither Long nor String");
            }
        }
        return new LayerIndices(entries);
    }

    /**
     * The source layer of each new layer, for a model of {@code layerCount} layers ({@code model} names it in
     * errors): negative indices counted from the end, every index checked before any is used.
     */
    List<Integer> resolve(int layerCount, String model, String method) {
        List<Integer> order = new ArrayList<>();
        for (Entry entry : entries) {
            switch (entry) {
                case Layer layer -> order.add(checked(layer.index(), layer, layerCount, model, method));
                case Range range -> {
                    RangeExpression values = range.range();
                    long length = values.length();
                    // a range monotone in its values lies inside [-L, L) exactly when its ends do
                    if (length > 0) {
                        checked(values.get(0), range, layerCount, model, method);
                        checked(values.get(length - 1), range, layerCount, model, method);
                    }
                    for (long i = 0; i < length; i++) {
                        order.add(checked(values.get(i), range, layerCount, model, method));
                    }
                }
            }
        }
        if (order.isEmpty()) {
            throw new UserInputException("parameter 'layer_indices' of method '" + method + "' selects no layer: "
                    + written() + "; the new model needs at least one");
        }
        return List.copyOf(order);
    }

    /** The entries as the user wrote them, for messages. */
    String written() {
        return entries.stream().map(Entry::written).toList().toString();
    }

    private static int checked(long index, Entry entry, int layerCount, String model, String method) {
        if (index < -layerCount || index >= layerCount) {
            throw new UserInputException("parameter 'layer_indices' of method '" + method + "': entry '" + entry.written()
                    + "' selects layer " + index + ", but model '" + model + "' has " + layerCount + " layers (indices 0 to "
                    + (layerCount - 1) + ", or -" + layerCount + " to -1 from the end)");
        }
        return (int) (index < 0 ? index + layerCount : index);
    }
}
