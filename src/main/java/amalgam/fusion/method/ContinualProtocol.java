package amalgam.fusion.method;

import amalgam.tensor.kernel.CounterRng;
import amalgam.fusion.param.MethodParameters;
import amalgam.merge.ModelSource;
import java.util.ArrayList;
import java.util.List;

/**
 * How a continual method proceeds: the order in which it sees the task models (pool order, or with
 * {@code shuffle_order} a Fisher–Yates permutation drawn from a counter-based generator keyed by the method's
 * {@code seed}, else the run's) and whether every intermediate model is saved ({@code save_on_every_step}).
 */
record ContinualProtocol(boolean shuffle, Long seed, boolean saveOnEveryStep) {
    static ContinualProtocol from(MethodParameters parameters) {
        return new ContinualProtocol(parameters.getBoolean("shuffle_order"), (Long) parameters.get("seed"),
                parameters.getBoolean("save_on_every_step"));
    }

    /** The same protocol taking the models in the order given. */
    ContinualProtocol inGivenOrder() {
        return new ContinualProtocol(false, seed, saveOnEveryStep);
    }

    List<ModelSource> apply(List<ModelSource> models, long runSeed) {
        List<ModelSource> order = new ArrayList<>(models);
        if (!shuffle) {
            return order;
        }
        CounterRng random = CounterRng.of(seed != null ? seed : runSeed, "model_order", 0);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = (int) (random.uniform(i) * (i + 1));
            order.set(i, order.set(j, order.get(i)));
        }
        return order;
    }
}
