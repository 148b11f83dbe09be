package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.data.hub.GlueSplit;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/** Where a classification task's items come from: a JSON-lines file, or a GLUE split in the Hugging Face cache. */
public sealed interface ClassificationItems {
    /** The first {@code limit} items (null: all), in order; {@code where} names the task for messages. */
    List<ClassificationTask.Item> read(Integer limit, String where);

    /** The files the items are read from (a task's results depend on their contents). */
    List<Path> files();

    /**
     * JSON lines {@code {"text": "...", "label": 0}} or {@code {"text": "...", "text_pair": "...", "label": 1}}.
     */
    record JsonLinesFile(Path file) implements ClassificationItems {
        @Override
        public List<ClassificationTask.Item> read(Integer limit, String where) {
            return JsonLines.read(file, limit, where, JsonLinesFile::item);
        }

        @Override
        public List<Path> files() {
            return List.of(file);
        }

        private static ClassificationTask.Item item(JsonNode node, String where) {
            if (node == null || !node.isObject() || !node.path("text").isTextual() || !node.path("label").isIntegralNumber()
                    || node.get("label").intValue() < 0 || (node.has("text_pair") && !node.get("text_pair").isTextual())) {
                throw new UserInputException(where + ": an item is {\"text\": text, \"label\": index >= 0} with an optional \"text_pair\"");
            }
            return new ClassificationTask.Item(node.get("text").textValue(),
                    node.has("text_pair") ? node.get("text_pair").textValue() : null, node.get("label").intValue());
        }
    }

    /** A GLUE task's split as FusionBench's GPT-2 pools load it ({@link GlueSplit}). */
    record Glue(Path hubCache, String task, String split) implements ClassificationItems {
        @Override
        public List<ClassificationTask.Item> read(Integer limit, String where) {
            return GlueSplit.read(hubCache, task, split, limit).stream()
                    .map(row -> new ClassificationTask.Item(row.text(), row.pair(), row.label())).toList();
        }

        @Override
        public List<Path> files() {
            return GlueSplit.files(hubCache, task, split);
        }
    }
}
