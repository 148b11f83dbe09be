package amalgam.cli;

import amalgam.UserInputException;
import amalgam.model.lm.TextGenerator;
import amalgam.model.lm.text.ChatTemplate;
import amalgam.model.lm.text.HfTokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam generate MODEL_DIR --prompt TEXT}: continue a prompt with a causal language model, streaming the text. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = {
    "Continue a prompt with a causal language model, streaming the text.",
    "Llama, Mistral, Qwen2 or GPT-2; greedy or seeded sampling with a key-value cache: the quickest look at a merge.",
    "Tokenized by the model folder's tokenizer.json (Hugging Face's tokenizers library)."})
final class GenerateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "config.json, safetensors and tokenizer.json (or a hub cache repo).")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N", description = "At most N tokens (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "0: greedy (default); above 0: sample from softmax(logits / T).")
    double temperature;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the sampling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-special-tokens", description = "Do not add the tokenizer's special tokens (BOS) to the prompt.")
    boolean noSpecialTokens;

    @Option(names = "--chat", description = "Wrap the prompt as a user message in the model's chat template (tokenizer_config.json's"
            + " chat_template or chat_template.jinja), opening the assistant's turn, as transformers' apply_chat_template.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "With --chat: a system message before the prompt.")
    String system;

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (system != null && !chat) {
            throw new UserInputException("--system is a message of the chat template: use it with --chat");
        }
        TextGenerator.Settings settings = new TextGenerator.Settings(maxNewTokens, temperature, seed);
        int workers = EngineSettings.threads(threads);
        PrintWriter out = spec.commandLine().getOut();
        try (HfTokenizer tokenizer = HfTokenizer.load(model); TextGenerator generator = TextGenerator.open(model, workers)) {
            // a chat template writes its own special tokens, so its text is encoded without adding any
            long[] ids = chat ? tokenizer.encode(ChatTemplate.require(model).renderPrompt(system, prompt), false)
                    : tokenizer.encode(prompt, !noSpecialTokens);
            StreamedText stream = new StreamedText(tokenizer, out);
            long start = System.nanoTime();
            long[] continuation = generator.generate(ids, settings, stream::add);
            stream.finish();
            double seconds = (System.nanoTime() - start) / 1e9;
            spec.commandLine().getErr().println(String.format(Locale.ROOT, "amalgam: %d prompt tokens, %d generated in %.2f s (%.1f tokens/s)",
                    ids.length, continuation.length, seconds, continuation.length / seconds));
        }
        return Main.EXIT_OK;
    }

    /**
     * Prints the continuation as it grows: the decoded text of every id so far, minus what is already printed. A
     * character split over byte-fallback tokens decodes as U+FFFD until its last byte arrives, so a trailing U+FFFD
     * waits for the next token.
     */
    private static final class StreamedText {
        private final HfTokenizer tokenizer;
        private final PrintWriter out;
        private long[] ids = new long[0];
        private int printed;

        StreamedText(HfTokenizer tokenizer, PrintWriter out) {
            this.tokenizer = tokenizer;
            this.out = out;
        }

        void add(long id) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = id;
            String text = tokenizer.decode(ids, true);
            if (!text.endsWith("\uFFFD") && text.length() > printed) {
                out.print(text.substring(printed));
                out.flush();
                printed = text.length();
            }
        }

        void finish() {
            String text = tokenizer.decode(ids, true);
            out.println(text.length() > printed ? text.substring(printed) : "");
            out.flush();
        }
    }
}
