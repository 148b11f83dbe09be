package amalgam.merge;

import amalgam.io.FileDigests;
import amalgam.io.HubCache;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The README.md of a fused model: what it is, the exact config, and the provenance record. */
final class ModelCard {
    private ModelCard() {
    }

    /** The card; {@code title} is its heading (the output folder's name, as mergekit titles its cards). */
    static String render(String title, Provenance provenance, String configText) {
        StringBuilder card = new StringBuilder("---\n");
        // the Hugging Face hub reads base_model to link a merge to the models it was made from
        List<String> hubModels = provenance.inputs().stream()
                .map(input -> HubCache.repoIdOf(Path.of(input.path()))).flatMap(Optional::stream).distinct().toList();
        if (!hubModels.isEmpty()) {
            card.append("base_model:\n");
            hubModels.forEach(id -> card.append("- ").append(id).append('\n'));
        }
        card.append("library_name: transformers\ntags:\n- merge\n- amalgam\n---\n\n");
        card.append("# ").append(title == null || title.isBlank() ? "Fused model" : title).append("\n\n");
        card.append("This model was produced by amalgam with the `").append(provenance.method())
                .append("` method (").append(provenance.dialect()).append(" dialect).\n\n");
        card.append("## Inputs\n\n");
        for (Provenance.Input input : provenance.inputs()) {
            card.append("- `").append(input.name()).append("`: `").append(input.path()).append("`\n");
            for (FileDigests.FileDigest file : input.files()) {
                card.append("  - `").append(file.file()).append("` (").append(file.bytes()).append(" bytes), sha256 `")
                        .append(file.sha256()).append("`\n");
            }
        }
        card.append("\n## Configuration\n\n```yaml\n").append(StoredConfig.of(configText).strip()).append("\n```\n\n");
        card.append("## Provenance\n\n```json\n").append(provenance.toJson()).append("\n```\n");
        return card.toString();
    }
}
