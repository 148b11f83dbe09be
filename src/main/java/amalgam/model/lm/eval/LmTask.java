package amalgam.model.lm.eval;

import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.text.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.SequencedMap;

/** One task of a language task pool: evaluated on a causal LM with its tokenizer, giving named metrics. */
public sealed interface LmTask permits PerplexityTask, MultipleChoiceTask, GenerationTask, ClassificationTask {
    String name();

    /** The metrics, in the order they are reported. */
    SequencedMap<String, Double> evaluate(LoadedLanguageModel model, HfTokenizer tokenizer);

    /** The files the task reads (its results depend on their contents). */
    List<Path> inputs();

    /** This task on at most its first {@code items} items (a perplexity task: unchanged). */
    LmTask firstItems(int items);
}
