package amalgam.model.clip;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt templates of the CLIP zero-shot classification heads for the TA8 / TALL14 / TALL20 task pools
 * (the benchmark spec, Part B2). A template holds {@code {}} where the class name goes; a head embeds every
 * template of every class and averages per class, so the order of templates does not change results.
 *
 * <p>Provenance: the TA8 lists are written exactly as the spec gives them ({@link Source#SPEC}). For the other
 * twelve tasks the spec gives only the counts; their lists are the standard CLIP prompts for those datasets
 * (from the CLIP paper's prompt sets and the benchmark's task modules), marked {@link Source#STANDARD_CLIP},
 * and their counts match the spec's.
 */
public final class ZeroShotTemplates {
    /** Where a task's template list comes from. */
    public enum Source {
        /** Written out in the benchmark spec. */
        SPEC,
        /** The standard CLIP prompts for the dataset; the spec states only the count. */
        STANDARD_CLIP,
        /** Given by the user. */
        USER
    }

    /**
     * One task's templates.
     *
     * @param task      the task name as in the task pool (e.g. {@code stanford-cars})
     * @param templates templates with one {@code {}} placeholder each
     * @param source    provenance of the list
     */
    public record TaskTemplates(String task, List<String> templates, Source source) {
        public TaskTemplates {
            templates = List.copyOf(templates);
        }

        /** The prompts for one class name, in template order. */
        public List<String> prompts(String className) {
            List<String> prompts = new ArrayList<>(templates.size());
            for (String template : templates) {
                prompts.add(template.replace("{}", className));
            }
            return prompts;
        }
    }

    /** The eight TA8 tasks, in the spec's order. */
    public static final List<String> TA8 = List.of("sun397", "stanford-cars", "resisc45", "eurosat", "svhn", "gtsrb",
            "mnist", "dtd");
    /** TA8 plus six tasks. */
    public static final List<String> TALL14 = concat(TA8, List.of("oxford_flowers102", "pcam", "fer2013",
            "oxford-iiit-pet", "stl10", "cifar100"));
    /** TALL14 plus six tasks. */
    public static final List<String> TALL20 = concat(TALL14, List.of("cifar10", "food101", "fashion_mnist",
            "emnist_letters", "kmnist", "rendered-sst2"));

    private static final List<String> CIFAR = List.of(
            "a photo of a {}.", "a blurry photo of a {}.", "a black and white photo of a {}.",
            "a low contrast photo of a {}.", "a high contrast photo of a {}.", "a bad photo of a {}.",
            "a good photo of a {}.", "a photo of a small {}.", "a photo of a big {}.",
            "a photo of the {}.", "a blurry photo of the {}.", "a black and white photo of the {}.",
            "a low contrast photo of the {}.", "a high contrast photo of the {}.", "a bad photo of the {}.",
            "a good photo of the {}.", "a photo of the small {}.", "a photo of the big {}.");

    private static final Map<String, TaskTemplates> BY_TASK = build();

    private ZeroShotTemplates() {
    }

    private static Map<String, TaskTemplates> build() {
        Map<String, TaskTemplates> map = new LinkedHashMap<>();
        spec(map, "sun397", List.of("a photo of a {}.", "a photo of the {}."));
        spec(map, "stanford-cars", List.of("a photo of a {}.", "a photo of the {}.", "a photo of my {}.",
                "i love my {}!", "a photo of my dirty {}.", "a photo of my clean {}.", "a photo of my new {}.",
                "a photo of my old {}."));
        List<String> resisc = new ArrayList<>();
        for (String article : List.of("", "a ", "the ")) {
            for (String kind : List.of("satellite imagery", "aerial imagery", "satellite photo", "aerial photo",
                    "satellite view", "aerial view")) {
                resisc.add(kind + " of " + article + "{}.");
            }
        }
        spec(map, "resisc45", resisc);
        spec(map, "eurosat", List.of("a centered satellite photo of {}.", "a centered satellite photo of a {}.",
                "a centered satellite photo of the {}."));
        spec(map, "svhn", List.of("a photo of the number: \"{}\"."));
        spec(map, "gtsrb", List.of("a zoomed in photo of a \"{}\" traffic sign.",
                "a centered photo of a \"{}\" traffic sign.", "a close up photo of a \"{}\" traffic sign."));
        spec(map, "mnist", List.of("a photo of the number: \"{}\"."));
        List<String> dtd = new ArrayList<>();
        for (String article : List.of("a", "the")) {
            for (String word : List.of("texture", "pattern", "thing", "object")) {
                dtd.add("a photo of " + article + " {} " + word + ".");
            }
        }
        spec(map, "dtd", dtd);

        standard(map, "oxford_flowers102", List.of("a photo of a {}, a type of flower."));
        standard(map, "pcam", List.of("this is a photo of {}"));
        standard(map, "fer2013", List.of("a photo of a {} looking face.", "a photo of a face showing the emotion: {}.",
                "a photo of a face looking {}.", "a face that looks {}.", "they look {}.", "look at how {} they are."));
        standard(map, "oxford-iiit-pet", List.of("a photo of a {}, a type of pet."));
        standard(map, "stl10", List.of("a photo of a {}.", "a photo of the {}."));
        standard(map, "cifar100", CIFAR);
        standard(map, "cifar10", CIFAR);
        standard(map, "food101", List.of("a photo of {}, a type of food."));
        standard(map, "fashion_mnist", List.of("a photo of a {}.", "a photo of the {}."));
        standard(map, "emnist_letters", List.of("a photo of the digit character: \"{}\"."));
        standard(map, "kmnist", List.of("a photo of the character {}."));
        standard(map, "rendered-sst2", List.of("a {} review of a movie."));
        return Map.copyOf(map);
    }

    private static void spec(Map<String, TaskTemplates> map, String task, List<String> templates) {
        map.put(task, new TaskTemplates(task, templates, Source.SPEC));
    }

    private static void standard(Map<String, TaskTemplates> map, String task, List<String> templates) {
        map.put(task, new TaskTemplates(task, templates, Source.STANDARD_CLIP));
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    /**
     * The templates of a task of TALL20 (which contains TA8 and TALL14).
     *
     * @throws amalgam.UserInputException for a task with no templates, naming the known tasks
     */
    public static TaskTemplates forTask(String task) {
        TaskTemplates templates = BY_TASK.get(task);
        if (templates == null) {
            throw new amalgam.UserInputException("no zero-shot templates for task '" + task + "'; known tasks: "
                    + String.join(", ", TALL20));
        }
        return templates;
    }
}
