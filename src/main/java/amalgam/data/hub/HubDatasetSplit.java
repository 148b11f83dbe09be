package amalgam.data.hub;

import amalgam.UserInputException;
import java.util.regex.Pattern;

/**
 * One split of a Hugging Face dataset as a task pool names it, e.g. {@code load_dataset("tanganke/sun397",
 * split="test")}.
 *
 * @param repoId   the dataset repo, {@code ORG/NAME} (or a legacy {@code NAME})
 * @param config   the dataset's config name ({@code name=} of {@code load_dataset}, e.g. {@code cropped_digits}); null:
 *                 the default config
 * @param split    the split name, e.g. {@code test}
 * @param revision the ref or snapshot to read ({@code main} when null)
 * @param format   how the split is stored: parquet files (what {@code datasets} writes and converts to), or WebDataset tar
 *                 shards (FusionBench reads {@code fer2013} from {@code clip-benchmark/wds_fer2013})
 * @param subset   one part of a seeded random split of the rows (FusionBench's {@code train_validation_split}); null: all
 */
public record HubDatasetSplit(String repoId, String config, String split, String revision, Format format, RandomSubset subset) {
    /** How a split's rows are stored. */
    public enum Format {
        PARQUET, WEBDATASET
    }

    /** What datasets accepts as a split or config name (letters, digits, '_', '-', '.'), so neither can form a path. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    /** A split stored as parquet files. */
    public HubDatasetSplit(String repoId, String config, String split, String revision) {
        this(repoId, config, split, revision, Format.PARQUET, null);
    }

    /** A whole split in {@code format}. */
    public HubDatasetSplit(String repoId, String config, String split, String revision, Format format) {
        this(repoId, config, split, revision, format, null);
    }

    /** The same split, one part of a random split of it. */
    public HubDatasetSplit withSubset(RandomSubset part) {
        return new HubDatasetSplit(repoId, config, split, revision, format, part);
    }

    public HubDatasetSplit {
        if (split == null || !NAME.matcher(split).matches() || split.contains("..")) {
            throw new UserInputException("dataset '" + repoId + "': split '" + split + "' is not a valid split name");
        }
        if (config != null && (!NAME.matcher(config).matches() || config.contains(".."))) {
            throw new UserInputException("dataset '" + repoId + "': config '" + config + "' is not a valid config name");
        }
    }

    /** The split of the default config at {@code main}. */
    public static HubDatasetSplit of(String repoId, String split) {
        return new HubDatasetSplit(repoId, null, split, null);
    }

    /** How a message names it: {@code tanganke/sun397 split test} (with the config when there is one). */
    public String describe() {
        return "dataset '" + repoId + "'" + (config == null ? "" : " config '" + config + "'") + " split '" + split + "'"
                + (subset == null ? "" : " (" + subset.describe() + ")");
    }
}
