package amalgam.model.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** config.json parsing: each class's defaults, the rope variants, the window rules, and clear refusals. */
class LmConfigTest {
    private static LmConfig parse(String json) {
        try {
            JsonNode node = new ObjectMapper().readTree(json);
            return LmConfig.parse(node, "'config.json'");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static DecoderConfig decoder(String architecture, String extra) {
        return (DecoderConfig) parse("{\"architectures\": [\"" + architecture + "\"], \"hidden_size\": 64, \"num_key_value_heads\": 2,"
                + " \"num_attention_heads\": 4" + extra + "}");
    }

    @Test
    void headDimensionDefaultsToHiddenOverHeadsAlsoWhenNull() {
        assertEquals(16, decoder("LlamaForCausalLM", "").headDimension());
        assertEquals(16, decoder("MistralForCausalLM", ", \"head_dim\": null").headDimension());
        assertEquals(32, decoder("LlamaForCausalLM", ", \"head_dim\": 32").headDimension());
    }

    @Test
    void biasesFollowTheArchitecture() {
        DecoderConfig llama = decoder("LlamaForCausalLM", ", \"attention_bias\": true, \"mlp_bias\": true");
        assertTrue(llama.queryKeyValueBias() && llama.outputBias() && llama.mlpBias());
        DecoderConfig qwen = decoder("Qwen2ForCausalLM", "");
        assertTrue(qwen.queryKeyValueBias() && !qwen.outputBias() && !qwen.mlpBias());
        DecoderConfig mistral = decoder("MistralForCausalLM", ", \"attention_bias\": true"); // MistralConfig has no such key
        assertTrue(!mistral.queryKeyValueBias() && !mistral.outputBias());
    }

    @Test
    void slidingWindows() {
        assertEquals(4096, decoder("MistralForCausalLM", "").window(0)); // MistralConfig's default
        assertEquals(0, decoder("MistralForCausalLM", ", \"sliding_window\": null").window(0));
        assertEquals(0, decoder("LlamaForCausalLM", ", \"sliding_window\": 3").window(5));
        DecoderConfig off = decoder("Qwen2ForCausalLM", ", \"sliding_window\": 3, \"max_window_layers\": 0");
        assertEquals(0, off.window(0));
        DecoderConfig on = decoder("Qwen2ForCausalLM", ", \"use_sliding_window\": true, \"sliding_window\": 3,"
                + " \"max_window_layers\": 2");
        assertArrayEquals(new int[] {0, 0, 3, 3}, new int[] {on.window(0), on.window(1), on.window(2), on.window(3)});
    }

    @Test
    void ropeScalingVariants() {
        assertInstanceOf(RotaryEmbedding.Unscaled.class, decoder("LlamaForCausalLM", "").rope().scaling());
        assertEquals(new RotaryEmbedding.Linear(2), decoder("LlamaForCausalLM",
                ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}").rope().scaling());
        assertEquals(new RotaryEmbedding.Llama3(8, 1, 4, 8192), decoder("LlamaForCausalLM", ", \"rope_scaling\": {\"rope_type\":"
                + " \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}").rope().scaling());
        RotaryEmbedding newer = decoder("LlamaForCausalLM", ", \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 5e5}").rope();
        assertEquals(500000.0, newer.theta());
        assertEquals(10000.0, decoder("LlamaForCausalLM", "").rope().theta());
    }

    @Test
    void gpt2Defaults() {
        Gpt2Config config = (Gpt2Config) parse("{\"architectures\": [\"GPT2ForSequenceClassification\"], \"n_embd\": 32,"
                + " \"n_head\": 4, \"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}}");
        assertEquals(3, config.labels());
        assertEquals(3, config.outputs());
        assertEquals(128, config.innerSize());
        assertEquals(1024, config.maxPositions());
        assertEquals(Activation.TANH_GELU, config.activation());
        assertTrue(config.tieWordEmbeddings());
    }

    @Test
    void refusals() {
        assertMessage("{}", "architectures");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\", \"X\"]}", "exactly one");
        assertMessage("{\"architectures\": [\"PhiForCausalLM\"]}", "'PhiForCausalLM' is not supported");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\"], \"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 2}}",
                "rope type 'dynamic'");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\"], \"rope_scaling\": {\"rope_type\": \"linear\"}}", "'factor'");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_act\": \"tanh\"}", "hidden_act");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": -3}", "hidden_size");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\"], \"num_key_value_heads\": 5}", "num_key_value_heads");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\"], \"head_dim\": 7}", "odd");
        assertMessage("{\"architectures\": [\"LlamaForCausalLM\"], \"partial_rotary_factor\": 0.5}", "partial_rotary_factor");
        assertMessage("{\"architectures\": [\"GPT2LMHeadModel\"], \"activation_function\": \"gelu_10\"}", "activation_function");
        assertMessage("{\"architectures\": [\"GPT2LMHeadModel\"], \"n_embd\": 30, \"n_head\": 4}", "n_embd");
    }

    private static void assertMessage(String json, String expected) {
        UserInputException e = assertThrows(UserInputException.class, () -> parse(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
