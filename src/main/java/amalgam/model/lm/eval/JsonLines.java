package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.io.ConfigFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A task's items as JSON lines: blank lines skipped, each line parsed and checked, errors naming file and line. */
final class JsonLines {
    /** Item files are evaluation sets of at most some hundred thousand lines. */
    static final long MAX_BYTES = 256L << 20;

    /** Turns one parsed line into an item or throws naming {@code where}. */
    interface Parser<T> {
        T parse(JsonNode node, String where);
    }

    private JsonLines() {
    }

    /** The items of {@code file}, the first {@code limit} only when not null; bad input if there are none. */
    static <T> List<T> read(Path file, Integer limit, String task, Parser<T> parser) {
        String text = new String(ConfigFiles.readBytes(file, "items of " + task, MAX_BYTES), StandardCharsets.UTF_8);
        ObjectMapper json = new ObjectMapper();
        List<T> items = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int line = 0; line < lines.length && (limit == null || items.size() < limit); line++) {
            if (lines[line].isBlank()) {
                continue;
            }
            String where = task + ", " + file + " line " + (line + 1);
            JsonNode node;
            try {
                node = json.readTree(lines[line]);
            } catch (IOException e) {
                throw new UserInputException(where + " is not JSON: " + e.getMessage(), e);
            }
            items.add(parser.parse(node, where));
        }
        if (items.isEmpty()) {
            throw new UserInputException(task + ": '" + file + "' has no items");
        }
        return items;
    }
}
