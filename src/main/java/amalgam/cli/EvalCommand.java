package amalgam.cli;

import amalgam.io.AtomicFiles;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.eval.LmTask;
import amalgam.model.lm.eval.LmTaskPool;
import amalgam.model.lm.text.HfTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam eval MODEL_DIR --taskpool TASKS.yaml}: a causal language model on a language task pool. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = {
    "Evaluate a language model on a language task pool.",
    "The model: a merge's output folder or a hub cache repo. Tasks: perplexity over text files (sliding windows, as the",
    "transformers guide), multiple choice by log-likelihood (as lm-evaluation-harness: acc and acc_norm), generation by",
    "exact match, and a sequence classifier's accuracy. Tokenized by the model's tokenizer.json."})
final class EvalCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "config.json, safetensors and tokenizer.json.")
    Path model;

    @Option(names = "--taskpool", required = true, paramLabel = "TASKS.yaml", description = "The language task pool (see README).")
    Path taskPool;

    @Option(names = "--json", description = "Print the results as JSON ({task: {metric: value}}).")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Also write the JSON results to FILE, a new file (whole or not at all).")
    Path report;

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws JsonProcessingException {
        int workers = EngineSettings.threads(threads);
        if (report != null && java.nio.file.Files.exists(report, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // checked before the work: a file of the user's is never replaced
            throw new amalgam.UserInputException("--report '" + report + "' exists: refusing to overwrite it; choose another file");
        }
        Map<String, SequencedMap<String, Double>> results = new LinkedHashMap<>();
        try (HfTokenizer tokenizer = HfTokenizer.load(model); LoadedLanguageModel loaded = LoadedLanguageModel.open(model, workers)) {
            LmTaskPool pool = LmTaskPool.read(taskPool);
            for (LmTask task : pool.tasks()) {
                results.put(task.name(), task.evaluate(loaded, tokenizer));
            }
        }
        String document = JSON.writeValueAsString(results);
        if (report != null) {
            AtomicFiles.writeString(report, document + "\n");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? document + "\n" : table(results));
        out.flush();
        return Main.EXIT_OK;
    }

    /** A row per task, a column per metric any task has ("-" where a task has not that metric). */
    private static String table(Map<String, SequencedMap<String, Double>> results) {
        Set<String> metrics = new LinkedHashSet<>();
        results.values().forEach(values -> metrics.addAll(values.keySet()));
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("task"));
        header.addAll(metrics);
        rows.add(header);
        results.forEach((task, values) -> {
            List<String> row = new ArrayList<>(List.of(task));
            for (String metric : metrics) {
                Double value = values.get(metric);
                row.add(value == null ? "-" : value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString(value.longValue())
                        : String.format(Locale.ROOT, "%.4f", value));
            }
            rows.add(row);
        });
        int[] widths = new int[header.size()];
        rows.forEach(row -> {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        });
        StringBuilder text = new StringBuilder();
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                text.append(c == 0 ? cell + " ".repeat(widths[c] - cell.length()) : "  " + " ".repeat(widths[c] - cell.length()) + cell);
            }
            text.append('\n');
        }
        return text.toString();
    }
}
