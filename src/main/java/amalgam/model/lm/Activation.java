package amalgam.model.lm;

import amalgam.UserInputException;
import amalgam.nn.Graph;
import amalgam.nn.Var;

/** An MLP activation, by its Hugging Face {@code ACT2FN} name ({@code hidden_act}, {@code activation_function}). */
public enum Activation {
    /** x sigmoid(x): {@code silu}, {@code swish}. */
    SILU,
    /** Exact x Phi(x): {@code gelu}. */
    GELU,
    /** The tanh approximation: {@code gelu_new} (GPT-2), {@code gelu_pytorch_tanh}, {@code gelu_fast}. */
    TANH_GELU,
    /** x sigmoid(1.702 x): {@code quick_gelu}. */
    QUICK_GELU,
    /** max(x, 0): {@code relu}. */
    RELU;

    public Var apply(Graph graph, Var x) {
        return switch (this) {
            case SILU -> graph.silu(x);
            case GELU -> graph.gelu(x);
            case TANH_GELU -> graph.tanhGelu(x);
            case QUICK_GELU -> graph.quickGelu(x);
            case RELU -> graph.relu(x);
        };
    }

    /** The activation Hugging Face names {@code name}; {@code where} and {@code key} name the config entry in errors. */
    public static Activation named(String name, String where, String key) {
        return switch (name) {
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> TANH_GELU;
            case "quick_gelu" -> QUICK_GELU;
            case "relu" -> RELU;
            default -> throw new UserInputException(where + ": key '" + key + "' names activation '" + name
                    + "', which amalgam does not implement (supported: silu, swish, gelu, gelu_new, gelu_pytorch_tanh,"
                    + " gelu_fast, quick_gelu, relu)");
        };
    }
}
