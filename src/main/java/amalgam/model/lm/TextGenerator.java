package amalgam.model.lm;

import amalgam.UserInputException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import java.util.function.LongPredicate;

/**
 * Token-by-token continuation of a prompt by a causal language model checkpoint: greedy (temperature 0: the
 * highest logit, the lowest id on ties) or sampled from softmax(logits / temperature) with a seeded generator, so the
 * same seed gives the same text. Stops at an end-of-sequence id (generation_config.json's, else config.json's), at
 * {@code maxNewTokens}, or at the model's last learned position. The prompt runs once; then each new token runs alone
 * against the key-value cache of the positions before it.
 */
public final class TextGenerator implements AutoCloseable {
    /** How to continue. */
    public record Settings(int maxNewTokens, double temperature, long seed) {
        public Settings {
            if (maxNewTokens < 1) {
                throw new UserInputException("--max-new-tokens must be at least 1, got " + maxNewTokens);
            }
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new UserInputException("--temperature must be a finite number >= 0 (0: greedy), got " + temperature);
            }
        }
    }

    private final LoadedLanguageModel model;
    private final boolean ownsModel;
    private final Set<Long> endIds;

    private TextGenerator(LoadedLanguageModel model, boolean ownsModel) {
        this.model = model;
        this.ownsModel = ownsModel;
        try {
            this.endIds = SpecialTokenIds.read(model.folder()).eos();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The model of {@code modelDirectory} (config.json and safetensors, or a hub cache repo) on {@code threads} threads. */
    public static TextGenerator open(Path modelDirectory, int threads) {
        return new TextGenerator(LoadedLanguageModel.open(modelDirectory, threads), true);
    }

    /** Generation with a model opened elsewhere, which {@link #close} leaves open. */
    public static TextGenerator over(LoadedLanguageModel model) {
        return new TextGenerator(model, false);
    }

    /**
     * The ids that continue {@code prompt} (not including it), each passed to {@code onToken} as soon as it is chosen;
     * an end-of-sequence id is passed and ends the continuation.
     */
    public long[] generate(long[] prompt, Settings settings, LongConsumer onToken) {
        return generateWhile(prompt, settings, id -> {
            onToken.accept(id);
            return true;
        });
    }

    /** The same, where {@code onToken} may end the continuation after a token by returning false (a stop string). */
    public long[] generateWhile(long[] prompt, Settings settings, LongPredicate onToken) {
        if (prompt.length == 0) {
            throw new UserInputException("the prompt has no tokens; generation needs at least one (add BOS, or some text)");
        }
        LmConfig config = model.config();
        for (long id : prompt) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new UserInputException("the prompt holds token id " + id + ", outside the model's vocabulary of " + config.vocabSize());
            }
        }
        if (prompt.length >= config.maxPositions()) {
            throw new UserInputException("the prompt has " + prompt.length + " tokens; the model has learned positions for "
                    + config.maxPositions() + ", so nothing is left to generate");
        }
        SplittableRandom random = new SplittableRandom(settings.seed());
        int capacity = (int) Math.min((long) prompt.length + settings.maxNewTokens(), config.maxPositions());
        long[] sequence = Arrays.copyOf(prompt, capacity);
        int length = prompt.length;
        try (LoadedLanguageModel.Session session = model.session(capacity)) {
            float[] logits = session.feed(prompt, 0, prompt.length);
            while (true) {
                long next = choose(logits, settings.temperature(), random);
                sequence[length++] = next;
                boolean more = onToken.test(next);
                if (!more || endIds.contains(next) || length == capacity) {
                    break;
                }
                logits = session.feed(sequence, length - 1, 1);
            }
        }
        return Arrays.copyOfRange(sequence, prompt.length, length);
    }

    /** Greedy at temperature 0, else a draw from softmax(logits / temperature) computed in double. */
    static long choose(float[] logits, double temperature, SplittableRandom random) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        if (temperature == 0) {
            return best;
        }
        double[] weights = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            weights[i] = Math.exp((logits[i] - logits[best]) / temperature);
            total += weights[i];
        }
        double target = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            target -= weights[i];
            if (target < 0) {
                return i;
            }
        }
        return best; // rounding left a sliver at the end
    }

    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }
}
