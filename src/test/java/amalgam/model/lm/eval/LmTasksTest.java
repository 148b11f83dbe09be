package amalgam.model.lm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.text.HfTokenizer;
import amalgam.testing.TinyLanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The language tasks on the tiny Llama reference checkpoint with a word-level tokenizer (word wN is id N), each
 * expected value written out by hand from the definitions, with log-probabilities from {@code debug lm-forward}'s path
 * (whose logits match the torch reference within 1e-4). Tolerance 1e-9: the same float32 logits, summed in double.
 */
class LmTasksTest {
    @TempDir
    Path temp;
    private Path model;

    @BeforeEach
    void model() throws Exception {
        model = TinyLanguageModels.withWordTokenizer(temp, "llama-gqa");
    }

    @Test
    void perplexityReadsTheGuidesSlidingWindows() throws Exception {
        Path text = Files.writeString(temp.resolve("text.txt"), "w5 w9 w2 w7 w3 w11");
        // 6 tokens, windows of 4 every 2: [0, 4) scores positions 1..3 (weight 3); [2, 6) scores 4 and 5 (weight 2 - 1)
        double first = -(logProb(List.of(5L), 9) + logProb(List.of(5L, 9L), 2) + logProb(List.of(5L, 9L, 2L), 7)) / 3;
        double second = -(logProb(List.of(2L, 7L), 3) + logProb(List.of(2L, 7L, 3L), 11)) / 2;
        double expected = (first * 3 + second * 1) / 4;
        Map<String, Double> metrics = evaluate(new PerplexityTask("t", List.of(text), 4, 2, true));
        assertEquals(expected, metrics.get("nll"), 1e-9);
        assertEquals(Math.exp(expected), metrics.get("perplexity"), 1e-9);
        assertEquals(6.0, metrics.get("tokens"));
        // one window over the whole text: the plain mean over positions 1..5
        double whole = -(logProb(List.of(5L), 9) + logProb(List.of(5L, 9L), 2) + logProb(List.of(5L, 9L, 2L), 7)
                + logProb(List.of(5L, 9L, 2L, 7L), 3) + logProb(List.of(5L, 9L, 2L, 7L, 3L), 11)) / 5;
        assertEquals(whole, evaluate(new PerplexityTask("t", List.of(text), 64, 64, true)).get("nll"), 1e-9);
    }

    @Test
    void multipleChoiceScoresEachContinuationAsTheHarness() throws Exception {
        Path items = Files.writeString(temp.resolve("items.jsonl"), """
                {"context": "w1 w2", "choices": ["w3", "w4 w5"], "gold": 1}
                {"context": "w6 ", "choices": ["w7 w8 w9", "w10"], "gold": 0}
                """);
        double a0 = logProb(List.of(1L, 2L), 3);
        double a1 = logProb(List.of(1L, 2L), 4) + logProb(List.of(1L, 2L, 4L), 5);
        // the context's trailing space moves to the continuation; the words are the same tokens
        double b0 = logProb(List.of(6L), 7) + logProb(List.of(6L, 7L), 8) + logProb(List.of(6L, 7L, 8L), 9);
        double b1 = logProb(List.of(6L), 10);
        double acc = ((a1 > a0 ? 1 : 0) + (b0 >= b1 ? 1 : 0)) / 2.0;
        double accNorm = ((a1 / 5 > a0 / 2 ? 1 : 0) + (b0 / 8 >= b1 / 3 ? 1 : 0)) / 2.0;
        Map<String, Double> metrics = evaluate(new MultipleChoiceTask("mc", items, null, " "));
        assertEquals(acc, metrics.get("acc"));
        assertEquals(accNorm, metrics.get("acc_norm"));
        assertEquals(2.0, metrics.get("items"));
        try (HfTokenizer tokenizer = HfTokenizer.load(model); LoadedLanguageModel loaded = LoadedLanguageModel.open(model, 1)) {
            MultipleChoiceTask task = new MultipleChoiceTask("mc", items, 1, " ");
            assertEquals(a1, task.logLikelihood(loaded, tokenizer, 1L, "w1 w2", " w4 w5"), 1e-9);
            // an empty context is the prefix token (BOS 1 here)
            assertEquals(logProb(List.of(1L), 4), task.logLikelihood(loaded, tokenizer, 1L, "", "w4"), 1e-9);
            assertEquals(1.0, task.evaluate(loaded, tokenizer).get("items"), "limit");
        }
    }

    @Test
    void generationIsScoredByExactMatchUpToTheStopString() throws Exception {
        // the greedy next word after w3 w17 w5: the arg-max of the forward's last row
        long first = argmax(List.of(3L, 17L, 5L));
        long second = argmax(List.of(3L, 17L, 5L, first));
        Path items = Files.writeString(temp.resolve("answers.jsonl"), """
                {"prompt": "w3 w17 w5", "answer": " w%d "}
                {"prompt": "w3 w17 w5", "answer": "w%d w%d"}
                {"prompt": "w3 w17 w5", "answer": "w%d"}
                """.formatted(first, first, second, (first + 1) % 64));
        // the word-level decoder joins words with spaces: stop at the first space, so the answer is one word
        Map<String, Double> oneWord = evaluate(new GenerationTask("g", items, null, 8, List.of(" "), false, false));
        assertEquals(1 / 3.0, oneWord.get("exact_match"), 1e-12, "only the first item: one word, whitespace stripped");
        Map<String, Double> twoWords = evaluate(new GenerationTask("g", items, null, 2, List.of("\n"), false, false));
        assertEquals(1 / 3.0, twoWords.get("exact_match"), 1e-12, "two tokens, no stop string met: the second item");
        assertThrows(UserInputException.class, () -> new GenerationTask("g", items, null, 0, List.of(), false, false));
        assertThrows(UserInputException.class, () -> new GenerationTask("g", items, null, 4, List.of(""), false, false));
    }

    @Test
    void aChatGenerationTaskWrapsEachPromptInTheTemplate() throws Exception {
        Files.writeString(model.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %} w9{% endif %}\"}");
        long answer = argmax(List.of(3L, 17L, 9L));
        Path items = Files.writeString(temp.resolve("chat.jsonl"), "{\"prompt\": \"w3 w17\", \"answer\": \"w" + answer + "\"}\n");
        assertEquals(1.0, evaluate(new GenerationTask("g", items, null, 1, List.of("\n"), true, true)).get("exact_match"),
                "the prompt is w3 w17 w9, with no special tokens added");
        assertEquals(answer == argmax(List.of(3L, 17L)) ? 1.0 : 0.0,
                evaluate(new GenerationTask("g", items, null, 1, List.of("\n"), false, false)).get("exact_match"), "without the template");
    }

    private long argmax(List<Long> context) {
        long best = 0;
        double bestLogProb = Double.NEGATIVE_INFINITY;
        for (long v = 0; v < 64; v++) {
            double logProb = logProb(context, v);
            if (logProb > bestLogProb) {
                bestLogProb = logProb;
                best = v;
            }
        }
        return best;
    }

    @Test
    void classificationTakesTheClassifiersBestLabel() throws Exception {
        Path classifier = TinyLanguageModels.withWordTokenizer(temp, "gpt2-classify");
        int first = bestLabel(classifier, List.of(4L, 9L, 2L));
        int second = bestLabel(classifier, List.of(7L, 7L, 1L, 3L, 5L));
        Path items = Files.writeString(temp.resolve("labels.jsonl"), """
                {"text": "w4 w9 w2", "label": %d}
                {"text": "w7 w7", "text_pair": "w1 w3 w5", "label": %d}
                {"text": "w4 w9 w2", "label": %d}
                """.formatted(first, second, (first + 1) % 3));
        try (HfTokenizer tokenizer = HfTokenizer.load(classifier); LoadedLanguageModel loaded = LoadedLanguageModel.open(classifier, 1)) {
            Map<String, Double> metrics = new ClassificationTask("c", new ClassificationItems.JsonLinesFile(items), null, null, true, null, 8, null).evaluate(loaded, tokenizer);
            assertEquals(2 / 3.0, metrics.get("accuracy"), 1e-12);
            assertEquals(3.0, metrics.get("items"));
            double ce1 = crossEntropy(classifier, List.of(4L, 9L, 2L), first);
            double ce2 = crossEntropy(classifier, List.of(7L, 7L, 1L, 3L, 5L), second);
            double ce3 = crossEntropy(classifier, List.of(4L, 9L, 2L), (first + 1) % 3);
            assertEquals((ce1 + ce2 + ce3) / 3, metrics.get("loss"), 1e-6, "one batch of 8: the plain mean");
            Map<String, Double> pairs = new ClassificationTask("c", new ClassificationItems.JsonLinesFile(items), null, null, true, null, 2, null).evaluate(loaded, tokenizer);
            assertEquals(((ce1 + ce2) / 2 + ce3) / 2, pairs.get("loss"), 1e-6, "batches of 2: the partial last batch counts as one");
            // the pair cut to its first 3 tokens: w7 w7 w1
            ClassificationTask cut = new ClassificationTask("c", new ClassificationItems.JsonLinesFile(items), null, null, true, 3, 8, null);
            int cutLabel = bestLabel(classifier, List.of(7L, 7L, 1L));
            // the first item stays right, the third wrong
            assertEquals((1 + (cutLabel == second ? 1 : 0)) / 3.0, cut.evaluate(loaded, tokenizer).get("accuracy"), 1e-12);
            assertThrows(UserInputException.class, () -> new PerplexityTask("p", List.of(items), 4, 2, true).evaluate(loaded, tokenizer),
                    "a classifier has no next-token logits");
        }
        assertThrows(UserInputException.class, () -> evaluate(new ClassificationTask("c", new ClassificationItems.JsonLinesFile(items), null, null, true, null, 8, null)),
                "a causal LM is not a classifier");
        Path wide = Files.writeString(temp.resolve("wide.jsonl"), "{\"text\": \"w1\", \"label\": 3}\n");
        try (HfTokenizer tokenizer = HfTokenizer.load(classifier); LoadedLanguageModel loaded = LoadedLanguageModel.open(classifier, 1)) {
            assertThrows(UserInputException.class, () -> new ClassificationTask("c", new ClassificationItems.JsonLinesFile(wide), null, null, true, null, 8, null).evaluate(loaded, tokenizer),
                    "label 3 of 3 labels");
        }
    }

    private static double crossEntropy(Path classifier, List<Long> ids, int label) {
        float[] scores = TinyLanguageModels.lastLogits(classifier, ids);
        double max = Double.NEGATIVE_INFINITY;
        for (float score : scores) {
            max = Math.max(max, score);
        }
        double sum = 0;
        for (float score : scores) {
            sum += Math.exp(score - max);
        }
        return Math.log(sum) + max - scores[label];
    }

    private static int bestLabel(Path classifier, List<Long> ids) {
        return TinyLanguageModels.argmax(TinyLanguageModels.lastLogits(classifier, ids));
    }

    @Test
    void aTaskPoolFileIsReadAndCheckedAtTheBoundary() throws Exception {
        Files.writeString(temp.resolve("a.txt"), "w1 w2 w3");
        Files.writeString(temp.resolve("m.jsonl"), "{\"context\": \"w1\", \"choices\": [\"w2\", \"w3\"], \"gold\": 0}\n");
        Path pool = Files.writeString(temp.resolve("tasks.yaml"), """
                tasks:
                  - {name: text, type: perplexity, files: [a.txt], max_length: 8}
                  - {name: choice, type: multiple_choice, file: m.jsonl, limit: 5}
                """);
        LmTaskPool read = LmTaskPool.read(pool);
        assertEquals(List.of("text", "choice"), read.tasks().stream().map(LmTask::name).toList());
        for (String bad : List.of("tasks: []", "tasks: [{name: x, type: rouge}]", "tasks: [{name: x, type: perplexity, files: [a.txt], windw: 3}]",
                "tasks: [{name: x, type: perplexity, files: [a.txt], stride: 0}]", "tasks: [{name: x, type: multiple_choice}]",
                "tasks: [{name: x, type: perplexity, files: [a.txt]}, {name: x, type: perplexity, files: [a.txt]}]",
                "tasks: [{name: x, type: generation, file: m.jsonl, stop: 3}]")) {
            Path file = Files.writeString(temp.resolve("bad.yaml"), bad + "\n");
            assertThrows(UserInputException.class, () -> LmTaskPool.read(file), bad);
        }
        Path broken = Files.writeString(temp.resolve("broken.jsonl"), "{\"context\": \"w1\", \"choices\": [\"w2\"], \"gold\": 0}\n");
        UserInputException refused = assertThrows(UserInputException.class,
                () -> evaluate(new MultipleChoiceTask("b", broken, null, " ")));
        assertTrue(refused.getMessage().contains("line 1"), refused.getMessage());
    }

    private Map<String, Double> evaluate(LmTask task) {
        try (HfTokenizer tokenizer = HfTokenizer.load(model); LoadedLanguageModel loaded = LoadedLanguageModel.open(model, 2)) {
            return task.evaluate(loaded, tokenizer);
        }
    }

    /** log p(next | context) from a plain forward over the context, log-softmax in double. */
    private double logProb(List<Long> context, long next) {
        float[] row = TinyLanguageModels.lastLogits(model, context);
        double max = Double.NEGATIVE_INFINITY;
        for (float value : row) {
            max = Math.max(max, value);
        }
        double sum = 0;
        for (float value : row) {
            sum += Math.exp(value - max);
        }
        return row[(int) next] - max - Math.log(sum);
    }
}
