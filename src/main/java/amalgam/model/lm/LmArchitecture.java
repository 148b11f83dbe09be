package amalgam.model.lm;

import java.util.Arrays;
import java.util.Optional;

/** The model classes amalgam runs, by the Hugging Face class name in {@code config.json}'s {@code architectures}. */
public enum LmArchitecture {
    LLAMA("LlamaForCausalLM"),
    MISTRAL("MistralForCausalLM"),
    QWEN2("Qwen2ForCausalLM"),
    GPT2_LM_HEAD("GPT2LMHeadModel"),
    GPT2_SEQUENCE_CLASSIFICATION("GPT2ForSequenceClassification");

    private final String className;

    LmArchitecture(String className) {
        this.className = className;
    }

    public String className() {
        return className;
    }

    /** True for the classifier, whose logits are [B, num_labels] at each row's last real token. */
    public boolean classifies() {
        return this == GPT2_SEQUENCE_CLASSIFICATION;
    }

    public static Optional<LmArchitecture> byClassName(String name) {
        return Arrays.stream(values()).filter(a -> a.className.equals(name)).findFirst();
    }

    /** The supported class names, for messages. */
    public static String supported() {
        return String.join(", ", Arrays.stream(values()).map(LmArchitecture::className).toList());
    }
}
