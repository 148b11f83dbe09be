package amalgam.fusion;

import amalgam.fusion.taskpool.LanguageTaskPool;
import amalgam.UserInputException;
import amalgam.parallel.Parallel;

/**
 * Everything a run gives a fusion method.
 *
 * @param pool       the model pool
 * @param seed       the run's seed (DARE's masks, shuffled data orders, test-time batches)
 * @param threads    threads the method may use (results never depend on it)
 * @param data       the task pool and model family, or null when the run has none (a data-free run)
 * @param saving     whether the run saves its fused model (a continual method then may keep every step's model too)
 * @param parallel   the run's parallel helper (statistics passes over the whole pool)
 * @param language   the language task pool of a run over language models, or null
 */
public record FusionContext(ModelPool pool, long seed, int threads, FusionData data, boolean saving, Parallel parallel,
                            LanguageTaskPool language) {
    public FusionContext {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    /** A context without a language task pool. */
    public FusionContext(ModelPool pool, long seed, int threads, FusionData data, boolean saving, Parallel parallel) {
        this(pool, seed, threads, data, saving, parallel, null);
    }

    /** The same context over another pool (a view of this one's models). */
    public FusionContext withPool(ModelPool other) {
        return new FusionContext(other, seed, threads, data, saving, parallel, language);
    }

    /**
     * The language task pool (train items, task classifiers, tokenizer); a bad-input error naming the method when the
     * run has none.
     */
    public LanguageTaskPool requireLanguage(String method) {
        if (language == null) {
            throw new UserInputException("method '" + method + "' learns from data: run it with a language task pool whose"
                    + " classification tasks give train items (taskpool=FILE, 'train: FILE' per task) over a pool of GPT-2 models");
        }
        return language;
    }

    /** A data-free context on the calling thread. */
    public static FusionContext dataFree(ModelPool pool, long seed) {
        return new FusionContext(pool, seed, 1, null, false, Parallel.CALLING_THREAD);
    }

    /** The task pool and model family; a bad-input error naming the method when the run has no task pool. */
    public FusionData requireData(String method) {
        if (data == null) {
            throw new UserInputException("method '" + method + "' learns from data: run it with a task pool (the built-in"
                    + " benchmark, or taskpool=FILE with train/test image folders and heads) over a pool of CLIP vision models");
        }
        return data;
    }
}
