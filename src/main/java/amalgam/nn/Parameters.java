package amalgam.nn;

import java.util.List;

/**
 * Named parameters for functional models, {@code forward(Parameters params, inputs)}: a model asks for each weight by
 * its (Hugging Face) name while it runs, so the same forward serves plain weights, a merged model, or an expression
 * of weights whose coefficients are trained (AdaMerging).
 */
public interface Parameters {
    /** The value of {@code name} in {@code graph}; asking twice in one graph returns the same value. */
    Var get(Graph graph, String name);

    /** Every parameter name, in a stable order. */
    List<String> names();

    /** The leaves that receive gradients (what an optimizer updates); may be empty. */
    List<Var> trainable();
}
