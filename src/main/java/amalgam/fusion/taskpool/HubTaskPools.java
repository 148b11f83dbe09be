package amalgam.fusion.taskpool;

import amalgam.data.LabelledImages;
import amalgam.UserInputException;
import amalgam.data.hub.FusionBenchDatasets;
import amalgam.data.hub.HubDatasetSplit;
import amalgam.data.hub.HubImageSplit;
import amalgam.io.HubCache;
import amalgam.model.clip.ZeroShotClassNames;
import amalgam.model.clip.ZeroShotHeadCache;
import amalgam.model.clip.ZeroShotTemplates;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Image-classification task pools over Hugging Face datasets in the local hub cache, from a document of FusionBench's
 * shape ({@link HubTaskPoolSpec}). Each task's test split (and train, val splits when given) is read from parquet
 * ({@link HubImageSplit}); its zero-shot head is built from the CLIPModel's text tower with the task's templates
 * and class names and kept in the head cache ({@link ZeroShotHeadCache}); images are preprocessed with the processor
 * model's {@code preprocessor_config.json}. The result is an ordinary {@link ImageTaskPool}.
 *
 * <p>A task's class names: the built-in list of its TALL20 task (by its name in the pool, else by its dataset id, as
 * FusionBench's template factory accepts either), else the dataset's own {@code ClassLabel} names. When both exist
 * their counts must agree. Its templates: the document's {@code templates:} entry, else the TALL20 task's.
 */
public final class HubTaskPools {
    /**
     * Where the data and heads are.
     *
     * @param hub   the Hugging Face hub cache folder (datasets and hub-id models)
     * @param heads the cache of built zero-shot heads
     */
    public record Caches(Path hub, ZeroShotHeadCache heads) {
        /** The hub cache huggingface_hub uses and the user cache's heads folder. */
        public static Caches standard() {
            return new Caches(HubCache.folder(), ZeroShotHeadCache.standard());
        }
    }

    private HubTaskPools() {
    }

    /** Whether {@code document} is a task pool of this shape (FusionBench's), rather than amalgam's {@code tasks:}. */
    public static boolean isHubTaskPool(Map<String, ?> document) {
        return HubTaskPoolSpec.matches(document);
    }

    /**
     * The task pool of a composed, resolved document. Relative model paths are resolved against {@code baseDir}; hub
     * ids through the hub cache. Heads not in the cache are built with {@code threads} threads.
     */
    public static ImageTaskPool load(Map<String, ?> document, Path baseDir, Caches caches, int threads) {
        HubTaskPoolSpec spec = HubTaskPoolSpec.parse(document, "task pool");
        Path clipModel = model(spec.clipModel(), baseDir, caches.hub(), "clip_model");
        Path processorModel = model(spec.processor(), baseDir, caches.hub(), "processor");
        Path preprocessor = processorModel.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(preprocessor)) {
            throw new UserInputException("task pool: the processor model '" + spec.processor() + "' (" + processorModel
                    + ") has no preprocessor_config.json");
        }
        List<String> names = new ArrayList<>();
        List<Splits> splits = new ArrayList<>();
        List<ZeroShotHeadCache.Request> requests = new ArrayList<>();
        spec.tasks().forEach((task, sources) -> {
            HubImageSplit test = HubImageSplit.open(caches.hub(), sources.test());
            // train and val are opened when a method reads them: a run that only evaluates needs only the test split cached
            LabelledImages train = sources.train() == null ? null : new OnFirstUse(() -> open(caches.hub(), sources.train(), test, task));
            LabelledImages val = sources.val() == null ? null : new OnFirstUse(() -> open(caches.hub(), sources.val(), test, task));
            names.add(task);
            splits.add(new Splits(test, train, val));
            requests.add(new ZeroShotHeadCache.Request(task, classNames(task, sources.test(), test),
                    templates(task, sources.test(), spec)));
        });
        List<ZeroShotHeadCache.CachedHead> heads = caches.heads().heads(clipModel, requests, threads);
        String preprocessing = " preprocessor " + TaskIdentity.ofFile(preprocessor);
        List<ImageTaskPool.Task> tasks = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Splits task = splits.get(i);
            tasks.add(new ImageTaskPool.Task(names.get(i), task.test(), heads.get(i).file(),
                    "hub " + task.test().split().describe() + " " + task.test().identity() + preprocessing,
                    task.train(), task.val()));
        }
        // FusionBench evaluates every model with the task pool's CLIP projection; a vision-only model needs it
        return ImageTaskPool.of(tasks, preprocessor, spec.batchSize()).withProjectionFallback(clipModel);
    }

    private record Splits(HubImageSplit test, LabelledImages train, LabelledImages val) {
    }

    /** A split opened the first time it is read. */
    private static final class OnFirstUse implements LabelledImages {
        private final java.util.function.Supplier<LabelledImages> opener;
        private LabelledImages images;

        OnFirstUse(java.util.function.Supplier<LabelledImages> opener) {
            this.opener = opener;
        }

        private synchronized LabelledImages images() {
            if (images == null) {
                images = opener.get();
            }
            return images;
        }

        @Override
        public int size() {
            return images().size();
        }

        @Override
        public int label(int index) {
            return images().label(index);
        }

        @Override
        public amalgam.data.image.RgbImage image(int index) {
            return images().image(index);
        }
    }

    /** A train or val split, whose class names (when it has them) must be the test split's. */
    private static HubImageSplit open(Path hub, HubDatasetSplit source, HubImageSplit test, String task) {
        if (source == null) {
            return null;
        }
        HubImageSplit split = HubImageSplit.open(hub, source);
        if (split.classNames().isPresent() && test.classNames().isPresent() && !split.classNames().equals(test.classNames())) {
            throw new UserInputException("task '" + task + "': " + source.describe() + " names other classes than "
                    + test.split().describe());
        }
        return split;
    }

    private static List<String> classNames(String task, HubDatasetSplit source, HubImageSplit data) {
        Optional<List<String>> builtIn = ZeroShotClassNames.forTask(knownTask(task, source).orElse(task));
        if (builtIn.isPresent()) {
            if (data.classNames().isPresent() && data.classNames().get().size() != builtIn.get().size()) {
                throw new UserInputException("task '" + task + "': " + source.describe() + " has " + data.classNames().get().size()
                        + " classes, but the task's class names are " + builtIn.get().size());
            }
            return builtIn.get();
        }
        return data.classNames().orElseThrow(() -> new UserInputException("task '" + task + "': " + source.describe()
                + " names no classes (its label column is not a ClassLabel) and the task is not one of TALL20, whose class"
                + " names amalgam knows"));
    }

    private static ZeroShotTemplates.TaskTemplates templates(String task, HubDatasetSplit source, HubTaskPoolSpec spec) {
        List<String> given = spec.templates().get(task);
        if (given != null) {
            return new ZeroShotTemplates.TaskTemplates(task, given, ZeroShotTemplates.Source.USER);
        }
        return knownTask(task, source).map(ZeroShotTemplates::forTask).orElseThrow(() -> new UserInputException("task '"
                + task + "' is not one of TALL20 (" + String.join(", ", ZeroShotTemplates.TALL20) + "), so amalgam has no"
                + " prompt templates for it: give them in the task pool, e.g. templates: {" + task + ": ['a photo of a {}.']}"));
    }

    /** The TALL20 task a pool's task is: by its name, else by its FusionBench dataset id. */
    private static Optional<String> knownTask(String task, HubDatasetSplit source) {
        return ZeroShotTemplates.TALL20.contains(task) ? Optional.of(task) : FusionBenchDatasets.taskOf(source.repoId());
    }

    /** A model as written: a path (relative to {@code baseDir}) when one exists, else a hub id at refs/main. */
    private static Path model(String written, Path baseDir, Path hub, String role) {
        try {
            Path local = baseDir.resolve(written);
            if (Files.exists(local)) {
                return HubCache.isRepoFolder(local) ? HubCache.snapshotOf(local, "main") : local;
            }
        } catch (InvalidPathException notAPath) {
            // not a path: perhaps a hub id
        }
        if (!HubCache.isRepoId(written)) {
            throw new UserInputException("task pool: " + role + " '" + written + "' is neither an existing path (relative to "
                    + baseDir + ") nor a Hugging Face model id");
        }
        return HubCache.snapshot(hub, HubCache.RepoType.MODEL, written, null);
    }
}
