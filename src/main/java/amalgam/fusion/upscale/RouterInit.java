package amalgam.fusion.upscale;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.CounterRng;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * How a Mixtral router ({@code block_sparse_moe.gate.weight}, [experts, hidden]) starts. FusionBench never writes it
 * (the model is built with weight initialisation disabled, so it holds whatever memory held); amalgam makes it
 * deterministic:
 * <ul>
 *   <li>{@link #ZEROS} (default): every router logit is 0, so routing is uniform: the softmax gives each expert 1/E,
 *       the top-k weights are renormalised to 1/k each. Upcycled experts being identical, the MoE block then computes
 *       exactly the dense MLP; with merged experts, which k experts a token reaches is decided by the runtime's top-k
 *       tie-break (Hugging Face's torch.topk), so the router is meant to be trained.</li>
 *   <li>{@link #UNIFORM_RANDOM}: mergekit-moe's {@code gate_mode: uniform_random}, the bound torch's nn.Linear init
 *       uses: U(-1/sqrt(hidden), 1/sqrt(hidden)), drawn from amalgam's counter-based generator keyed by (run seed,
 *       router tensor name), so the same seed gives the same router whatever the thread count.</li>
 * </ul>
 */
enum RouterInit {
    ZEROS("zeros"),
    UNIFORM_RANDOM("uniform_random");

    static final String PARAMETER = "router_init";

    private final String written;

    RouterInit(String written) {
        this.written = written;
    }

    String written() {
        return written;
    }

    static RouterInit parse(String value, String method) {
        for (RouterInit init : values()) {
            if (init.written.equals(value)) {
                return init;
            }
        }
        throw new UserInputException("parameter '" + PARAMETER + "' of method '" + method + "' must be one of "
                + Arrays.stream(values()).map(RouterInit::written).toList() + ", got '" + value + "'");
    }

    /** The router {@code name} of shape [experts, hidden] as float32. */
    Tensor create(String name, Shape shape, long seed, Arena arena) {
        Tensor router = Tensor.allocate(arena, DType.F32, shape); // zero-filled
        if (this == UNIFORM_RANDOM) {
            float bound = (float) (1 / Math.sqrt(shape.dim(1)));
            CounterRng random = CounterRng.of(seed, name, 0);
            for (long i = 0; i < shape.elementCount(); i++) {
                router.setFloat(i, (2 * random.uniform(i) - 1) * bound);
            }
        }
        return router;
    }
}
