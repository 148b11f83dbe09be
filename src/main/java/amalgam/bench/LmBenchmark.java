package amalgam.bench;

import amalgam.model.lm.LoadedLanguageModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Language-model speed on a checkpoint: prompt processing (one forward over a prompt of random ids, filling the
 * key-value cache) and generation (one token at a time against the cache), in tokens per second, best of a few
 * repetitions after a warm-up. Prints one JSON line, which {@code bench/torch/lm_speed.py} puts beside torch's
 * figures on the same weights.
 */
public final class LmBenchmark {
    private final Path model;
    private final int promptTokens;
    private final int newTokens;
    private final int repetitions;
    private final int threads;

    public LmBenchmark(Path model, int promptTokens, int newTokens, int repetitions, int threads) {
        if (promptTokens < 1 || newTokens < 1 || repetitions < 1) {
            throw new amalgam.UserInputException("--prompt-tokens, --new-tokens and --repetitions must be at least 1");
        }
        this.model = model;
        this.promptTokens = promptTokens;
        this.newTokens = newTokens;
        this.repetitions = repetitions;
        this.threads = threads;
    }

    public void run(PrintWriter out) {
        long loadStart = System.nanoTime();
        try (LoadedLanguageModel loaded = LoadedLanguageModel.open(model, threads)) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            int vocabulary = loaded.config().vocabSize();
            long[] ids = new long[promptTokens + newTokens];
            SplittableRandom random = new SplittableRandom(0);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(vocabulary);
            }
            double bestPrompt = Double.MAX_VALUE;
            double bestDecode = Double.MAX_VALUE;
            for (int repetition = 0; repetition <= repetitions; repetition++) { // repetition 0 warms up
                try (LoadedLanguageModel.Session session = loaded.session(ids.length)) {
                    long start = System.nanoTime();
                    session.feed(ids, 0, promptTokens);
                    double prompt = (System.nanoTime() - start) / 1e9;
                    start = System.nanoTime();
                    for (int i = promptTokens; i < ids.length; i++) {
                        session.feed(ids, i, 1); // the ids are given: the same work as greedy decoding, without choosing
                    }
                    double decode = (System.nanoTime() - start) / 1e9;
                    if (repetition > 0) {
                        bestPrompt = Math.min(bestPrompt, prompt);
                        bestDecode = Math.min(bestDecode, decode);
                    }
                }
            }
            out.println(String.format(Locale.ROOT, "{\"prompt_tokens\": %d, \"new_tokens\": %d, \"threads\": %d, \"load_seconds\": %.3f,"
                    + " \"prompt_seconds\": %.4f, \"prompt_tokens_per_second\": %.1f, \"decode_seconds\": %.4f,"
                    + " \"decode_tokens_per_second\": %.2f}", promptTokens, newTokens, threads, loadSeconds, bestPrompt,
                    promptTokens / bestPrompt, bestDecode, newTokens / bestDecode));
            out.flush();
        }
    }
}
