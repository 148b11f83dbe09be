package amalgam.model.lm;

import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A model's BOS and end-of-sequence ids, as transformers takes them: generation_config.json's, else config.json's
 * ({@code eos_token_id} one id or a list).
 *
 * @param bos the BOS id, or null
 * @param eos the ids that end a sequence (empty: none)
 */
public record SpecialTokenIds(Long bos, Set<Long> eos) {
    public SpecialTokenIds {
        eos = Set.copyOf(eos);
    }

    public static SpecialTokenIds read(Path modelFolder) {
        Long bos = null;
        Set<Long> eos = new LinkedHashSet<>();
        for (String name : new String[] {"generation_config.json", "config.json"}) {
            Path file = modelFolder.resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(CacheLinks.resolve(file).toFile());
            } catch (IOException e) {
                throw new UserInputException("cannot read '" + file + "': " + e.getMessage(), e);
            }
            if (bos == null && root.path("bos_token_id").isIntegralNumber()) {
                bos = root.get("bos_token_id").longValue();
            }
            if (eos.isEmpty()) {
                JsonNode ids = root.path("eos_token_id");
                if (ids.isIntegralNumber()) {
                    eos.add(ids.longValue());
                } else if (ids.isArray()) {
                    ids.forEach(id -> eos.add(id.longValue()));
                }
            }
        }
        return new SpecialTokenIds(bos, eos);
    }

    /** What stands for an empty context when scoring a continuation: BOS, else the first EOS id, else null. */
    public Long prefix() {
        return bos != null ? bos : eos.stream().findFirst().orElse(null);
    }
}
