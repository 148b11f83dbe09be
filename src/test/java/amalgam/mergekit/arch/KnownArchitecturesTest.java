package amalgam.mergekit.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnownArchitecturesTest {
    @Test
    void theShippedFamiliesLoadWithTheirLayerTemplates() {
        Architecture llama = KnownArchitectures.forClass("LlamaForCausalLM").orElseThrow();
        Architecture mistral = KnownArchitectures.forClass("MistralForCausalLM").orElseThrow();
        Architecture qwen2 = KnownArchitectures.forClass("Qwen2ForCausalLM").orElseThrow();
        assertEquals("num_hidden_layers", llama.numLayersKey());
        assertEquals(List.of("model.embed_tokens.weight"), llama.preWeights().stream().map(WeightSpec::name).toList());
        assertEquals(List.of("model.layers.3.input_layernorm.weight", "model.layers.3.self_attn.q_proj.weight",
                "model.layers.3.self_attn.k_proj.weight", "model.layers.3.self_attn.v_proj.weight",
                "model.layers.3.self_attn.o_proj.weight", "model.layers.3.post_attention_layernorm.weight",
                "model.layers.3.mlp.up_proj.weight", "model.layers.3.mlp.gate_proj.weight",
                "model.layers.3.mlp.down_proj.weight"), llama.layer(3).stream().map(WeightSpec::name).toList());
        assertEquals(new WeightSpec("lm_head.weight", true, true, List.of(), List.of("model.embed_tokens.weight")),
                llama.postWeights().get(1));
        assertEquals(12, qwen2.layerWeights().size());
        assertEquals("model.layers.${layer_index}.self_attn.q_proj.bias", qwen2.layerWeights().get(2).name());
        assertTrue(llama.sameWeights(mistral));
        assertFalse(llama.sameWeights(qwen2));
        assertTrue(KnownArchitectures.forClass("GPT2LMHeadModel").isEmpty());
    }

    @Test
    void aDefinitionWithAnUnknownKeyOrVariableIsRefused() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThrows(IllegalStateException.class, () -> KnownArchitectures.parse(json.readTree("""
                {"model_type": "x", "architectures": ["X"], "num_layers_config_key": "n", "layers": []}"""), "x.json"));
        assertThrows(IllegalStateException.class, () -> KnownArchitectures.parse(json.readTree("""
                {"model_type": "x", "architectures": ["X"], "num_layers_config_key": "n",
                 "layer_templates": {"weights": [{"name": "a.${layer_index+1}.w"}]}}"""), "x.json"));
        assertEquals(1, KnownArchitectures.parse(json.readTree("""
                {"model_type": "x", "architectures": ["X"], "num_layers_config_key": "n",
                 "layer_templates": {"weights": [{"name": "a.${layer_index}.w", "input_space": "h"}]}}"""), "x.json")
                .get("X").layer(0).size());
    }
}
