package amalgam.zoo;

import amalgam.data.LabelledImages;
import amalgam.data.synthetic.SceneCorpus;
import amalgam.data.synthetic.SyntheticDataset;
import amalgam.io.AtomicFiles;
import amalgam.io.OutputDirectory;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.FunctionalAnchor;
import amalgam.model.clip.VisionFineTuning;
import amalgam.model.clip.ZeroShotHead;
import amalgam.nn.Graph;
import amalgam.parallel.Lanes;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds a model zoo from scratch, deterministically: initialise a CLIP vision tower; pre-train it (tower and
 * projection) on the broad {@link SceneCorpus}; build each task's head from the pretrained model
 * ({@link PrototypeHeads}); fine-tune one copy per task (vision tower only, head and projection frozen). Every
 * training run is single-threaded (one-thread BLAS, one-thread helper) and the task runs share the cores as
 * independent lanes, so the weights are bit-identical for any thread count. The zoo folder appears only when complete.
 */
public final class ZooBuilder {
    /** Marks a folder as a zoo this builder may replace. */
    static final String MARKER = "modelpool.yaml";

    private final ZooRecipe recipe;
    private final PrintWriter log;

    public ZooBuilder(ZooRecipe recipe, PrintWriter log) {
        this.recipe = recipe;
        this.log = log;
    }

    /**
     * Builds the zoo into {@code output}. A build that was killed resumes: its staging folder (kept beside the output
     * under the recipe's key) still holds every stage it finished (the pretrained model, the heads, each task model), and
     * those are read back instead of trained again, which gives the same bytes as an uninterrupted build.
     */
    public void build(Path output, int threads) {
        // the real datasets are needed only after pre-training: a missing one must not cost its half hour first
        recipe.tasks().stream().filter(ZooData::isMnistFamily).forEach(task -> amalgam.data.BuiltInTasks.dataDirectory(ZooData.folder(task)));
        try (OutputDirectory directory = OutputDirectory.claim(output)) {
            Path staging = directory.stagingFor(runKey());
            try {
                buildInto(staging, threads);
            } catch (RuntimeException e) {
                // the stages finished so far (half an hour of pre-training, say) stay for the next build to resume
                directory.keepForResume();
                log("build failed; its finished stages are kept in %s for the next build to resume", staging);
                throw e;
            }
            directory.publish();
        }
    }

    /** Builds every stage missing from {@code staging} (BLAS keeps its single thread: the fine-tuning lanes use the cores). */
    void buildInto(Path staging, int threads) {
        try (Arena arena = Arena.ofShared()) {
            long start = System.nanoTime();
            Path pretrainedFolder = staging.resolve("pretrained");
            Map<String, Tensor> pretrained;
            if (Files.isDirectory(pretrainedFolder)) {
                pretrained = readBack(pretrainedFolder, arena);
                log("resumed: the pretrained model");
            } else {
                pretrained = pretrain(arena);
                save(pretrainedFolder, pretrained, "pretrained");
                log("pre-trained in %.0f s", seconds(start));
            }
            List<ZeroShotHead> heads = heads(pretrained, arena, staging);
            FunctionalAnchor anchor = anchor(pretrained, arena);
            fineTuneAll(pretrained, heads, anchor, staging, threads);
            for (String task : recipe.tasks()) {
                if (ZooData.isMnistFamily(task)) {
                    ZooData.shipSplits(recipe, task, staging);
                }
            }
            AtomicFiles.writeString(staging.resolve(MARKER), modelPoolYaml());
            AtomicFiles.writeString(staging.resolve("README.md"), recipe.card());
            log("zoo '%s' complete in %.0f s", recipe.name(), seconds(start));
        }
    }

    /** Names a build by everything that decides its bytes, so only a killed build of the same recipe is resumed. */
    String runKey() {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("zoo build 1\n" + recipe).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "zoo-" + java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A finished stage's weights, as writable F32 copies (the bytes it was saved from), in the initializer's order: the
     * order sets how sums over parameters (gradient clipping's norm) round, so it must match an uninterrupted build's.
     */
    private Map<String, Tensor> readBack(Path folder, Arena arena) {
        try (amalgam.io.Checkpoint checkpoint = amalgam.io.Checkpoint.open(folder)) {
            Map<String, Tensor> copies = new java.util.LinkedHashMap<>();
            for (String name : amalgam.model.clip.ClipKeys.expected(recipe.architecture(), true).keySet()) {
                copies.put(name, amalgam.tensor.kernel.Convert.toF32(checkpoint.tensor(name), arena));
            }
            return copies;
        }
    }

    private Map<String, Tensor> pretrain(Arena arena) {
        Map<String, Tensor> weights = VisionTowerInitializer.initialize(recipe.architecture(), recipe.initSeed(), arena);
        VisionFineTuning.Settings settings = recipe.pretraining();
        LabelledImages scenes = scenes(settings.steps() * settings.batchSize());
        Tensor classDirections = randomDirections(recipe.sceneClasses(), recipe.architecture().projectionDim(), recipe.sceneSeed(), arena);
        try (Parallel single = new Parallel(1)) {
            List<Float> losses = VisionFineTuning.train(recipe.architecture(), weights, classDirections,
                    (float) Math.exp(recipe.logitScale()), examples(scenes), settings, name -> true, single);
            log("pre-training loss %.3f -> %.3f", average(losses, 0), average(losses, losses.size() - 50));
        }
        return weights;
    }

    /** θ0's embeddings of the reference scenes (the first images of the pre-training stream), or null without an anchor. */
    private FunctionalAnchor anchor(Map<String, Tensor> pretrained, Arena arena) {
        FunctionalAnchor.Settings settings = recipe.anchor();
        if (settings == null) {
            return null;
        }
        try (Parallel single = new Parallel(1)) {
            return FunctionalAnchor.of(recipe.architecture(), pretrained, examples(scenes(settings.images())), settings, arena, single);
        }
    }

    private LabelledImages scenes(int count) {
        SceneCorpus corpus = new SceneCorpus(recipe.sceneClasses(), recipe.sceneSeed());
        return new SyntheticDataset(corpus, SyntheticDataset.Split.TRAIN, count, recipe.sceneSeed());
    }

    /** Each task's head, built from the pretrained model, or read back when a killed build already wrote them all. */
    private List<ZeroShotHead> heads(Map<String, Tensor> pretrained, Arena arena, Path staging) {
        Path folder = staging.resolve("heads");
        List<Path> files = recipe.tasks().stream().map(task -> folder.resolve(task + ".safetensors")).toList();
        if (files.stream().allMatch(Files::isRegularFile)) {
            log("resumed: the heads");
            return files.stream().map(file -> ZeroShotHead.load(file, arena)).toList();
        }
        long start = System.nanoTime();
        ClipModel model = new ClipModel(recipe.architecture());
        List<ZeroShotHead> heads = new ArrayList<>();
        try (Parallel single = new Parallel(1); Graph graph = Graph.inference(single);
             TensorParameters params = TensorParameters.frozen(pretrained)) {
            for (String task : recipe.tasks()) {
                ZeroShotHead head = PrototypeHeads.build(model, params, ZooData.train(recipe, task), ZooData.classNames(task).size(),
                        recipe.headSamples(), recipe.logitScale(), graph, arena);
                heads.add(head);
            }
        }
        try {
            Files.createDirectories(folder);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (int i = 0; i < heads.size(); i++) {
            heads.get(i).save(files.get(i));
        }
        log("heads built in %.0f s", seconds(start));
        return heads;
    }

    private void fineTuneAll(Map<String, Tensor> pretrained, List<ZeroShotHead> heads, FunctionalAnchor anchor, Path staging,
                             int threads) {
        List<Callable<Void>> runs = new ArrayList<>();
        for (int i = 0; i < recipe.tasks().size(); i++) {
            int index = i;
            runs.add(() -> {
                fineTune(index, pretrained, heads.get(index), anchor == null ? null : anchor.withSeed(anchor.settings().seed() + index),
                        staging);
                return null;
            });
        }
        Lanes.run(threads, runs);
    }

    private void fineTune(int index, Map<String, Tensor> pretrained, ZeroShotHead head, FunctionalAnchor anchor, Path staging) {
        String task = recipe.tasks().get(index);
        if (Files.isDirectory(staging.resolve(task))) {
            log("resumed: %s", task);
            return;
        }
        long start = System.nanoTime();
        VisionFineTuning.Settings settings = recipe.fineTuning().withSeed(recipe.fineTuning().seed() + index);
        try (Arena arena = Arena.ofShared(); Parallel single = new Parallel(1)) {
            Map<String, Tensor> weights = VisionFineTuning.trainableCopy(pretrained, arena);
            List<Float> losses = VisionFineTuning.train(recipe.architecture(), weights, head.weight(),
                    (float) Math.exp(head.logitScale()), examples(ZooData.train(recipe, task)), settings,
                    VisionFineTuning::isVisionTower, anchor, single);
            save(staging.resolve(task), weights, task);
            log("fine-tuned %s in %.0f s (loss %.3f -> %.3f)", task, seconds(start), average(losses, 0),
                    average(losses, losses.size() - 50));
        }
    }

    private VisionFineTuning.Examples examples(LabelledImages images) {
        return new LabelledExamples(images, recipe.architecture().vision().imageSize());
    }

    private void save(Path directory, Map<String, Tensor> weights, String role) {
        ClipCheckpoints.save(directory, weights, recipe.configJson(), zooMetadata(role));
    }

    private String modelPoolYaml() {
        StringBuilder yaml = new StringBuilder("# the " + recipe.name() + " model zoo: written by 'amalgam zoo build'\nmodels:\n");
        yaml.append("  _pretrained_: pretrained\n");
        for (String task : recipe.tasks()) {
            yaml.append("  ").append(task).append(": ").append(task).append('\n');
        }
        return yaml.toString();
    }

    /** Unit vectors from a seeded Gaussian, one per class: fixed targets for pre-training. */
    private static Tensor randomDirections(int classes, int dimension, long seed, Arena arena) {
        Tensor directions = Tensor.allocate(arena, DType.F32, Shape.of(classes, dimension));
        SplittableRandom random = new SplittableRandom(seed * 31 + 17);
        for (int c = 0; c < classes; c++) {
            double[] row = new double[dimension];
            double norm = 0;
            for (int d = 0; d < dimension; d++) {
                row[d] = random.nextGaussian();
                norm += row[d] * row[d];
            }
            for (int d = 0; d < dimension; d++) {
                directions.setFloat((long) c * dimension + d, (float) (row[d] / Math.sqrt(norm)));
            }
        }
        return directions;
    }

    private static double average(List<Float> values, int from) {
        int start = Math.max(0, Math.min(from, values.size() - 1));
        int end = Math.min(values.size(), start + 50);
        double total = 0;
        for (int i = start; i < end; i++) {
            total += values.get(i);
        }
        return total / Math.max(1, end - start);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private synchronized void log(String format, Object... arguments) {
        log.printf(format + "%n", arguments);
        log.flush();
    }

    /** The checkpoints' metadata, in the order the shipped zoo has it (headers are part of the reproduced bytes). */
    private java.util.SequencedMap<String, String> zooMetadata(String role) {
        java.util.SequencedMap<String, String> metadata = new java.util.LinkedHashMap<>();
        metadata.put("zoo", recipe.name());
        metadata.put("format", "pt");
        metadata.put("role", role);
        return metadata;
    }
}
