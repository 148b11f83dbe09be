package amalgam.zoo;

import amalgam.data.BuiltInTasks;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.FunctionalAnchor;
import amalgam.model.clip.VisionFineTuning;
import java.util.List;

/**
 * Everything that determines a model zoo: the architecture, the pre-training on broad data, the heads, and the
 * fine-tuning of one task model per downstream task. The built-in zoo is {@link #MINI8}; a smaller recipe serves
 * tests.
 *
 * @param name             the zoo's name (its folder under zoo/)
 * @param architecture     a CLIP vision tower with projection ({@code CLIPVisionModelWithProjection})
 * @param initSeed         weight initialisation
 * @param sceneClasses     scene families of the pre-training corpus
 * @param sceneSeed        the corpus's recipes and samples
 * @param pretraining      pre-training schedule (tower and projection train against fixed random class directions)
 * @param headSamples      training images per class averaged into a task's head
 * @param logitScale       the heads' logit_scale (the logit multiplier is its exponential; CLIP's is ln 100, the zoo uses ln 30, which
 *                         fine-tunes the small tower more smoothly)
 * @param fineTuning       fine-tuning schedule of every task model (vision tower only; projection and head frozen);
 *                         task i uses seed {@code fineTuning.seed() + i}
 * @param anchor           the {@link FunctionalAnchor} every fine-tune carries (reference images: the first ones of the
 *                         pre-training scene stream; task i draws its reference batches with seed {@code anchor.seed() + i});
 *                         {@code null}: none
 * @param tasks            the downstream tasks, in pool order
 * @param syntheticTrain   training images drawn per synthetic task
 * @param testSize         test images per task (MNIST-style tasks: the first ones of the official test split)
 * @param dataSeed         seed of the synthetic tasks' splits
 */
public record ZooRecipe(String name, ClipConfig architecture, long initSeed, int sceneClasses, long sceneSeed,
                        VisionFineTuning.Settings pretraining, int headSamples, float logitScale,
                        VisionFineTuning.Settings fineTuning, FunctionalAnchor.Settings anchor, List<String> tasks, int syntheticTrain, int testSize, long dataSeed) {
    /** ViT with 4x4 patches on 32x32 RGB, width 64, 3 layers, 4 heads, MLP 256, projection 64, quick GELU. */
    private static final ClipConfig MINI_VIT = new ClipConfig(new ClipConfig.Tower(64, 256, 3, 4, ClipConfig.Activation.QUICK_GELU,
            1e-5f, 32, 4, 3, 0, 0, -1), null, 64);

    /** Width 128, 3 layers, 4 heads, MLP 512, projection 128 (the zoo study's round-5/6 tower). */
    private static final ClipConfig WIDE_VIT = new ClipConfig(new ClipConfig.Tower(128, 512, 3, 4, ClipConfig.Activation.QUICK_GELU,
            1e-5f, 32, 4, 3, 0, 0, -1), null, 128);

    /**
     * The shipped zoo (zoo study rounds 6 and 7, zoo/study/README.md): the width-128 tower, heads from 2000 images per
     * class, 300-step fine-tunes with the functional anchor and a cosine margin 0.4 on the true class.
     */
    public static final ZooRecipe MINI8 = new ZooRecipe("mini8", WIDE_VIT, 1, 256, 7,
            new VisionFineTuning.Settings(2000, 64, 1e-3f, 100, 0.05f, 1.0, 2), 2000, (float) Math.log(30),
            new VisionFineTuning.Settings(300, 64, 1e-3f, 30, 0.1f, 1.0, 10, 0.4f), new FunctionalAnchor.Settings(10f, 16384, 64, 100),
            BuiltInTasks.NAMES, 64_000, 1000, 2024);

    /**
     * The zoo shipped before round 7 (width 64, 1000-step anchored fine-tunes): {@code amalgam zoo build --recipe narrow}
     * rebuilds it, to reproduce figures measured on it.
     */
    public static final ZooRecipe MINI8_NARROW = new ZooRecipe("mini8", MINI_VIT, 1, 256, 7,
            new VisionFineTuning.Settings(2000, 64, 1e-3f, 100, 0.05f, 1.0, 2), 100, (float) Math.log(30),
            new VisionFineTuning.Settings(1000, 64, 1e-3f, 100, 0.1f, 1.0, 10), new FunctionalAnchor.Settings(10f, 16384, 64, 100),
            BuiltInTasks.NAMES, 64_000, 1000, 2024);

    /** The config.json of every model of the zoo. */
    public String configJson() {
        ClipConfig.Tower v = architecture.vision();
        return """
                {
                  "architectures": ["CLIPVisionModelWithProjection"],
                  "model_type": "clip_vision_model",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "hidden_act": "%s",
                  "layer_norm_eps": %s,
                  "image_size": %d,
                  "patch_size": %d,
                  "num_channels": %d,
                  "projection_dim": %d,
                  "initializer_range": 0.02,
                  "initializer_factor": 1.0,
                  "attention_dropout": 0.0,
                  "dropout": 0.0,
                  "torch_dtype": "float32"
                }
                """.formatted(v.hiddenSize(), v.intermediateSize(), v.layers(), v.heads(),
                v.activation() == ClipConfig.Activation.GELU ? "gelu" : "quick_gelu", Float.toString(v.layerNormEps()),
                v.imageSize(), v.patchSize(), v.channels(), architecture.projectionDim());
    }

    private String marginCard() {
        return fineTuning.margin() == 0f ? "" : (" The loss subtracts a cosine margin %s from the true class before the logit"
                + " scale (CosFace), so a fine-tune keeps separating its classes.").formatted(fineTuning.margin());
    }

    private String anchorCard() {
        if (anchor == null) {
            return "";
        }
        return (" Every step also adds the functional anchor %s · mean over %d reference images of\n"
                + "  ‖e(s; θ) − e(s; θ0)‖² (e: the normalized image embedding; the references: the first %d images of the\n"
                + "  pre-training stream; reference batches drawn with seed %d + task index), so that a\n"
                + "  fine-tune leaves the embedding of images it is not about where the pretrained model put it.").formatted(
                anchor.weight(), anchor.batchSize(), anchor.images(), anchor.seed());
    }

    /** The zoo's model card: what was trained on what, with every setting, so the recipe can be read without code. */
    public String card() {
        ClipConfig.Tower v = architecture.vision();
        return """
                # The %s model zoo

                Written by `amalgam zoo build` (deterministic: the same recipe gives the same bytes for any --threads).

                - Architecture: Hugging Face `CLIPVisionModelWithProjection`, %dx%d RGB input, %dx%d patches, width %d,
                  %d layers, %d heads, MLP %d, %s, projection %d; float32 safetensors.
                - Pretrained model (`pretrained/`): initialised as Hugging Face initialises CLIP (seed %d), then trained,
                  tower and projection, on a broad procedural corpus that is none of the tasks: %d scene families (half
                  of them glyphs: a random stroke in colours redrawn per sample; half colour/texture/layout scenes), %d
                  steps of batch %d, AdamW lr %s (warm-up %d, cosine), weight decay %s, gradient clipping %s, against fixed
                  random unit class directions with logit multiplier exp(%.4f).
                - Heads (`heads/TASK.safetensors`, `weight` [classes, %d], `logit_scale`): the pretrained model's
                  normalized image embeddings averaged per class over the first %d training images of each class, centred
                  (the mean over classes subtracted) and normalized; logit_scale %.4f. Frozen, as CLIP's zero-shot heads are.
                - Task models (`TASK/`): the pretrained model fine-tuned on one task, vision tower only (projection and
                  head frozen): %d steps of batch %d, AdamW lr %s (warm-up %d, cosine), weight decay %s, clipping %s, data
                  seed %d + task index.%s%s
                - Tasks, in pool order: %s. Synthetic tasks draw %d training images (seed %d); MNIST and Fashion-MNIST
                  train on their official training split. Test splits: %d images per task (MNIST-family: the first %d of
                  the official test split, shipped under `data/`).
                - Task pool splits (`taskpool=%s`), %d images each: test as above; train = the first images of each task's
                  training data (what data-dependent methods read); val = images no model trained on (synthetic: the
                  validation stream; MNIST-family: the next %d official test images). MNIST-family train and val
                  images are shipped under `data/` too.
                """.formatted(name, v.imageSize(), v.imageSize(), v.patchSize(), v.patchSize(), v.hiddenSize(), v.layers(),
                v.heads(), v.intermediateSize(), v.activation() == ClipConfig.Activation.GELU ? "GELU" : "quick GELU",
                architecture.projectionDim(), initSeed, sceneClasses, pretraining.steps(), pretraining.batchSize(),
                pretraining.learningRate(), pretraining.warmupSteps(), pretraining.weightDecay(), pretraining.maxGradNorm(),
                logitScale, architecture.projectionDim(), headSamples, logitScale, fineTuning.steps(), fineTuning.batchSize(),
                fineTuning.learningRate(), fineTuning.warmupSteps(), fineTuning.weightDecay(), fineTuning.maxGradNorm(),
                fineTuning.seed(), marginCard(), anchorCard(), String.join(", ", tasks), syntheticTrain, dataSeed, testSize, testSize, name, testSize, testSize);
    }
}
