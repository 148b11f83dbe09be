package amalgam.data.hub;

import amalgam.UserInputException;
import amalgam.data.LabelledImages;
import amalgam.io.HubCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** A labelled image split of a Hugging Face dataset in the local cache, as its format stores it. */
public interface HubImageSplit extends LabelledImages {
    HubDatasetSplit split();

    /** The label's class names when the dataset records them (a parquet {@code ClassLabel}). */
    Optional<List<String>> classNames();

    /** What the split is, for caching results (changes when any of its files does). */
    String identity();

    /** The split as the hub cache {@code hubCache} holds it (its snapshot at the split's revision). */
    static HubImageSplit open(Path hubCache, HubDatasetSplit split) {
        if (split.subset() != null) {
            return new SubsetSplit(open(hubCache, split.withSubset(null)), split);
        }
        return switch (split.format()) {
            case PARQUET -> ParquetImageSplit.open(hubCache, split);
            case WEBDATASET -> WebDatasetImageSplit.open(HubCache.snapshot(hubCache, HubCache.RepoType.DATASET, split.repoId(),
                    split.revision()), split);
        };
    }

    /** Each file's path in the snapshot, the blob it links to (named by its content hash) and its size, hashed. */
    static String identityOf(HubDatasetSplit split, List<Path> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                String line = file.toAbsolutePath() + " " + file.toRealPath() + " " + Files.size(file) + "\n";
                digest.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UserInputException(split.describe() + ": cannot read its files: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
