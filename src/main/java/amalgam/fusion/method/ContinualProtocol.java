package amalgam.fusion.method;

import amalgam.fusion.StepOutputs;
import amalgam.tensor.kernel.CounterRng;
import amalgam.fusion.param.MethodParameters;
import amalgam.merge.ModelSource;
import java.util.ArrayList;
import java.util.List;

/**
 * How a continual method proceeds: the order in which it sees the task models (pool order, or with
 * {@code shuffle_order} a Fisher–Yates permutation drawn from a counter-based generator keyed by the method's
 * {@code seed}, else the run's) and what the run keeps of every intermediate model ({@code save_on_every_step}, {@code evaluate_on_every_step}).
 */
record ContinualProtocol(boolean shuffle, Long seed, StepOutputs stepOutputs) {
    static ContinualProtocol from(MethodParameters parameters) {
        return new ContinualProtocol(parameters.getBoolean("shuffle_order"), (Long) parameters.get("seed"),
                new StepOutputs(parameters.getBoolean("save_on_every_step"), parameters.getBoolean("evaluate_on_every_step")));
    }

    /** The same protocol taking the models in the order given. */
    ContinualProtocol inGivenOrder() {
        return new ContinualProtocol(false, seed, stepOutputs);
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
