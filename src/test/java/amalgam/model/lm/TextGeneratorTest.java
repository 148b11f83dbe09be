package amalgam.model.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.UserInputException;
import amalgam.testing.TinyLanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation on the tiny reference checkpoints: greedy continuation is the arg-max of a plain forward over the
 * sequence so far, step after step (checked against {@code debug lm-forward}'s path); sampling depends on the seed
 * alone; an end-of-sequence id ends it.
 */
class TextGeneratorTest {
    @TempDir
    Path temp;

    private Path model(String name) throws Exception {
        return TinyLanguageModels.withWordTokenizer(temp, name);
    }

    @Test
    void greedyContinuationIsTheArgMaxOfEachForward() throws Exception {
        for (String name : List.of("llama-gqa", "gpt2-lm")) {
            Path folder = model(name);
            long[] prompt = {3, 17, 5};
            long[] continuation;
            List<Long> streamed = new ArrayList<>();
            try (TextGenerator generator = TextGenerator.open(folder, 2)) {
                continuation = generator.generate(prompt, new TextGenerator.Settings(6, 0, 0), streamed::add);
            }
            assertEquals(6, continuation.length, name);
            assertEquals(streamed, java.util.Arrays.stream(continuation).boxed().toList());
            List<Long> sequence = new ArrayList<>(java.util.Arrays.stream(prompt).boxed().toList());
            for (long expected : continuation) {
                assertEquals(argmaxOfLastPosition(folder, sequence), expected, name + " after " + sequence);
                sequence.add(expected);
            }
        }
    }

    /**
     * The key-value cache changes nothing but the work: after a prompt and after each single token fed against the
     * cache, the logits are those of a full forward over the whole sequence so far, within 1e-4 + 1e-4 |x| (the
     * products run over other shapes, so the float32 sums round differently). The mistral fixture has a sliding window
     * shorter than the sequence; gpt2 has learned positions.
     */
    @Test
    void cachedLogitsAreThoseOfTheWholeSequence() throws Exception {
        for (String name : List.of("llama-gqa", "llama-options", "mistral-window", "qwen2-tied", "qwen2-window", "gpt2-lm")) {
            Path folder = model(name);
            long[] sequence = {3, 17, 5, 9, 2, 11, 4, 8, 6, 1};
            try (LoadedLanguageModel loaded = LoadedLanguageModel.open(folder, 2);
                 LoadedLanguageModel.Session session = loaded.session(sequence.length)) {
                float[] cached = session.feed(sequence, 0, 5);
                for (int length = 5; length <= sequence.length; length++) {
                    float[] whole = loaded.nextTokenLogits(sequence, length);
                    for (int v = 0; v < whole.length; v++) {
                        assertEquals(whole[v], cached[v], 1e-4 + 1e-4 * Math.abs(whole[v]), name + " at length " + length + ", logit " + v);
                    }
                    if (length < sequence.length) {
                        cached = session.feed(sequence, length, 1);
                    }
                }
                assertEquals(sequence.length, session.length());
                assertThrows(UserInputException.class, () -> session.feed(sequence, 0, 1), "the cache is full");
            }
        }
    }

    @Test
    void samplingDependsOnTheSeedAloneAndAnEndIdStops() throws Exception {
        Path folder = model("llama-gqa");
        long[] prompt = {1, 2, 3};
        try (TextGenerator generator = TextGenerator.open(folder, 2)) {
            long[] first = generator.generate(prompt, new TextGenerator.Settings(12, 1.5, 7), id -> { });
            long[] again = generator.generate(prompt, new TextGenerator.Settings(12, 1.5, 7), id -> { });
            long[] other = generator.generate(prompt, new TextGenerator.Settings(12, 1.5, 8), id -> { });
            assertArrayEquals(first, again);
            assertFalse(java.util.Arrays.equals(first, other), "another seed, another draw");
        }
        long firstGreedy;
        try (TextGenerator generator = TextGenerator.open(folder, 1)) {
            firstGreedy = generator.generate(prompt, new TextGenerator.Settings(1, 0, 0), id -> { })[0];
        }
        Files.writeString(folder.resolve("generation_config.json"), "{\"eos_token_id\": [" + firstGreedy + ", 999]}");
        try (TextGenerator generator = TextGenerator.open(folder, 1)) {
            assertArrayEquals(new long[] {firstGreedy}, generator.generate(prompt, new TextGenerator.Settings(10, 0, 0), id -> { }));
            assertThrows(UserInputException.class, () -> generator.generate(new long[] {64}, new TextGenerator.Settings(1, 0, 0), id -> { }));
            assertThrows(UserInputException.class, () -> generator.generate(new long[0], new TextGenerator.Settings(1, 0, 0), id -> { }));
        }
        assertThrows(UserInputException.class, () -> new TextGenerator.Settings(0, 0, 0));
        assertThrows(UserInputException.class, () -> new TextGenerator.Settings(1, -1, 0));
        assertThrows(UserInputException.class, () -> new TextGenerator.Settings(1, Double.NaN, 0));
    }

    private static long argmaxOfLastPosition(Path folder, List<Long> ids) {
        return TinyLanguageModels.argmax(TinyLanguageModels.lastLogits(folder, ids));
    }
}
