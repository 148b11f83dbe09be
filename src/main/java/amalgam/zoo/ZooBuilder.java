package amalgam.zoo;

import amalgam.data.LabelledImages;
import amalgam.data.synthetic.SceneCorpus;
import amalgam.data.synthetic.SyntheticDataset;
import amalgam.io.AtomicFiles;
import amalgam.io.OutputDirectory;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.model.clip.ClipModel;
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

    public void build(Path output, int threads) {
        // BLAS keeps its default single thread: the fine-tuning lanes use the cores
        try (OutputDirectory directory = OutputDirectory.claim(output);
             Arena arena = Arena.ofShared()) {
            Path staging = directory.staging();
            long start = System.nanoTime();
            Map<String, Tensor> pretrained = pretrain(arena);
            save(staging.resolve("pretrained"), pretrained, "pretrained");
            log("pre-trained in %.0f s", seconds(start));
            List<ZeroShotHead> heads = heads(pretrained, arena, staging);
            log("heads built in %.0f s", seconds(start));
            fineTuneAll(pretrained, heads, staging, threads);
            for (String task : recipe.tasks()) {
                if (ZooData.isMnistFamily(task)) {
                    ZooData.shipSplits(recipe, task, staging);
                }
            }
            AtomicFiles.writeString(staging.resolve(MARKER), modelPoolYaml());
            AtomicFiles.writeString(staging.resolve("README.md"), recipe.card());
            log("zoo '%s' complete in %.0f s", recipe.name(), seconds(start));
            directory.publish();
        }
    }

    private Map<String, Tensor> pretrain(Arena arena) {
        Map<String, Tensor> weights = VisionTowerInitializer.initialize(recipe.architecture(), recipe.initSeed(), arena);
        VisionFineTuning.Settings settings = recipe.pretraining();
        SceneCorpus corpus = new SceneCorpus(recipe.sceneClasses(), recipe.sceneSeed());
        LabelledImages scenes = new SyntheticDataset(corpus, SyntheticDataset.Split.TRAIN, settings.steps() * settings.batchSize(),
                recipe.sceneSeed());
        Tensor classDirections = randomDirections(recipe.sceneClasses(), recipe.architecture().projectionDim(), recipe.sceneSeed(), arena);
        try (Parallel single = new Parallel(1)) {
            List<Float> losses = VisionFineTuning.train(recipe.architecture(), weights, classDirections,
                    (float) Math.exp(recipe.logitScale()), examples(scenes), settings, name -> true, single);
            log("pre-training loss %.3f -> %.3f", average(losses, 0), average(losses, losses.size() - 50));
        }
        return weights;
    }

    private List<ZeroShotHead> heads(Map<String, Tensor> pretrained, Arena arena, Path staging) {
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
            Files.createDirectories(staging.resolve("heads"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (int i = 0; i < heads.size(); i++) {
            heads.get(i).save(staging.resolve("heads").resolve(recipe.tasks().get(i) + ".safetensors"));
        }
        return heads;
    }

    private void fineTuneAll(Map<String, Tensor> pretrained, List<ZeroShotHead> heads, Path staging, int threads) {
        List<Callable<Void>> runs = new ArrayList<>();
        for (int i = 0; i < recipe.tasks().size(); i++) {
            int index = i;
            runs.add(() -> {
                fineTune(index, pretrained, heads.get(index), staging);
                return null;
            });
        }
        Lanes.run(threads, runs);
    }

    private void fineTune(int index, Map<String, Tensor> pretrained, ZeroShotHead head, Path staging) {
        String task = recipe.tasks().get(index);
        long start = System.nanoTime();
        VisionFineTuning.Settings base = recipe.fineTuning();
        VisionFineTuning.Settings settings = new VisionFineTuning.Settings(base.steps(), base.batchSize(), base.learningRate(),
                base.warmupSteps(), base.weightDecay(), base.maxGradNorm(), base.seed() + index);
        try (Arena arena = Arena.ofShared(); Parallel single = new Parallel(1)) {
            Map<String, Tensor> weights = VisionFineTuning.trainableCopy(pretrained, arena);
            List<Float> losses = VisionFineTuning.train(recipe.architecture(), weights, head.weight(),
                    (float) Math.exp(head.logitScale()), examples(ZooData.train(recipe, task)), settings, single);
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
