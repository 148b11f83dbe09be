#!/usr/bin/env python3
"""Language-model speed, amalgam and torch side by side on the same weights.

Builds (once) a random-weight checkpoint of Qwen2-0.5B's shape in Hugging Face layout (float32 safetensors, seeded),
then times, on the same number of threads:
- prompt processing: one forward over a prompt of random ids that fills a key-value cache;
- generation: the next tokens one at a time against the cache (the ids are given, so both do the same work).
torch runs the pure-torch transformers-semantics reference of the lm-tiny fixtures (src/test/resources/fixtures/
lm-tiny/generate.py) extended with a key-value cache; amalgam runs `amalgam bench lm`. Prints tokens/s and ratios.

    python3 bench/torch/lm_speed.py [--dir /tmp/amalgam-lm-bench] [--prompt-tokens 128] [--new-tokens 32] [--threads 2]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "src", "test", "resources", "fixtures", "lm-tiny"))
import generate as reference  # noqa: E402  (the fixtures' reference model: rms_norm, rope, save_safetensors)

QWEN2_05B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864,
    "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
    "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "hidden_act": "silu",
    "tie_word_embeddings": True, "use_sliding_window": False, "torch_dtype": "float32", "bos_token_id": 151643,
    "eos_token_id": 151643,
}


def build(folder):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return
    os.makedirs(folder, exist_ok=True)
    c = QWEN2_05B
    d, inter, kv_width = c["hidden_size"], c["intermediate_size"], c["num_key_value_heads"] * (c["hidden_size"] // c["num_attention_heads"])
    gen = torch.Generator().manual_seed(0)

    def rnd(*shape):
        return torch.randn(*shape, generator=gen) * 0.02

    w = {"model.embed_tokens.weight": rnd(c["vocab_size"], d), "model.norm.weight": torch.ones(d)}
    for layer in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        w[p + "input_layernorm.weight"] = torch.ones(d)
        w[p + "post_attention_layernorm.weight"] = torch.ones(d)
        w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"] = rnd(d, d), rnd(d)
        w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"] = rnd(kv_width, d), rnd(kv_width)
        w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"] = rnd(kv_width, d), rnd(kv_width)
        w[p + "self_attn.o_proj.weight"] = rnd(d, d)
        w[p + "mlp.gate_proj.weight"] = rnd(inter, d)
        w[p + "mlp.up_proj.weight"] = rnd(inter, d)
        w[p + "mlp.down_proj.weight"] = rnd(d, inter)
    reference.save_safetensors(os.path.join(folder, "model.safetensors"), w)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(c, f, indent=2)


def load(folder):
    """The weights back from the file (torch reads them into memory: it has no mapped safetensors here)."""
    import numpy as np
    import struct
    path = os.path.join(folder, "model.safetensors")
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        base = 8 + size
        data = np.memmap(path, dtype=np.uint8, mode="r")
    w = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        w[name] = torch.from_numpy(np.array(data[base + start:base + end]).view(np.float32).reshape(entry["shape"]))
    return w


class CachedQwen2:
    """The fixtures' reference Llama-family forward, one sequence, with a key-value cache (positions offset)."""

    def __init__(self, config, w):
        self.c, self.w = config, w
        d, heads = config["hidden_size"], config["num_attention_heads"]
        self.hd = d // heads
        self.inv_freq = reference.rope_inverse_frequencies(config, self.hd)
        self.cache = [None] * config["num_hidden_layers"]
        self.length = 0

    def lin(self, x, name):
        y = x @ self.w[name + ".weight"].T
        return y + self.w[name + ".bias"] if name + ".bias" in self.w else y

    def feed(self, ids):
        c, w, hd = self.c, self.w, self.hd
        heads, kv, eps = c["num_attention_heads"], c["num_key_value_heads"], c["rms_norm_eps"]
        n = ids.shape[1]
        positions = torch.arange(self.length, self.length + n)[None, :].float()
        freqs = (self.inv_freq[None, :, None] @ positions[:, None, :]).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        total = self.length + n
        i = torch.arange(self.length, total)[:, None]
        j = torch.arange(total)[None, :]
        mask = torch.where(j <= i, torch.tensor(0.0), torch.tensor(reference.MIN))[None, None]
        h = w["model.embed_tokens.weight"][ids]
        for layer in range(c["num_hidden_layers"]):
            p = "model.layers.%d." % layer
            x = reference.rms_norm(h, w[p + "input_layernorm.weight"], eps)
            q = self.lin(x, p + "self_attn.q_proj").view(1, n, heads, hd).transpose(1, 2)
            k = self.lin(x, p + "self_attn.k_proj").view(1, n, kv, hd).transpose(1, 2)
            v = self.lin(x, p + "self_attn.v_proj").view(1, n, kv, hd).transpose(1, 2)
            q = q * cos + reference.rotate_half(q) * sin
            k = k * cos + reference.rotate_half(k) * sin
            if self.cache[layer] is not None:
                k = torch.cat((self.cache[layer][0], k), dim=2)
                v = torch.cat((self.cache[layer][1], v), dim=2)
            self.cache[layer] = (k, v)
            k = k.repeat_interleave(heads // kv, dim=1)
            v = v.repeat_interleave(heads // kv, dim=1)
            o = reference.attend(q, k, v, mask, hd ** -0.5).transpose(1, 2).reshape(1, n, heads * hd)
            h = h + self.lin(o, p + "self_attn.o_proj")
            x = reference.rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
            h = h + self.lin(torch.nn.functional.silu(self.lin(x, p + "mlp.gate_proj")) * self.lin(x, p + "mlp.up_proj"),
                             p + "mlp.down_proj")
        self.length = total
        h = reference.rms_norm(h[:, -1:], w["model.norm.weight"], eps)
        return h @ w["model.embed_tokens.weight"].T


def torch_speed(folder, prompt_tokens, new_tokens, repetitions):
    config = json.load(open(os.path.join(folder, "config.json")))
    w = load(folder)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, config["vocab_size"], (1, prompt_tokens + new_tokens), generator=gen)
    best_prompt, best_decode = float("inf"), float("inf")
    with torch.no_grad():
        for repetition in range(repetitions + 1):
            model = CachedQwen2(config, w)
            start = time.perf_counter()
            model.feed(ids[:, :prompt_tokens])
            prompt = time.perf_counter() - start
            start = time.perf_counter()
            for t in range(prompt_tokens, prompt_tokens + new_tokens):
                model.feed(ids[:, t:t + 1])
            decode = time.perf_counter() - start
            if repetition > 0:
                best_prompt, best_decode = min(best_prompt, prompt), min(best_decode, decode)
    return prompt_tokens / best_prompt, new_tokens / best_decode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/tmp/amalgam-lm-bench")
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    build(args.dir)
    torch.set_num_threads(args.threads)
    amalgam = subprocess.run([os.path.join(ROOT, "amalgam"), "bench", "lm", args.dir, "--prompt-tokens", str(args.prompt_tokens),
                              "--new-tokens", str(args.new_tokens), "--repetitions", str(args.repetitions), "--threads",
                              str(args.threads)], capture_output=True, text=True, check=True)
    ours = json.loads(amalgam.stdout.strip().splitlines()[-1])
    prompt, decode = torch_speed(args.dir, args.prompt_tokens, args.new_tokens, args.repetitions)
    print("Qwen2-0.5B shape (494M parameters, float32), %d threads, prompt %d tokens, then %d tokens one at a time"
          % (args.threads, args.prompt_tokens, args.new_tokens))
    print("| | amalgam | torch %s | amalgam / torch |" % torch.__version__)
    print("|---|---|---|---|")
    print("| prompt processing (tokens/s) | %.1f | %.1f | %.2f |" % (ours["prompt_tokens_per_second"], prompt,
                                                                     ours["prompt_tokens_per_second"] / prompt))
    print("| generation (tokens/s) | %.2f | %.2f | %.2f |" % (ours["decode_tokens_per_second"], decode,
                                                               ours["decode_tokens_per_second"] / decode))
    print("amalgam opened the checkpoint in %.2f s (weights mapped)" % ours["load_seconds"])


if __name__ == "__main__":
    main()
