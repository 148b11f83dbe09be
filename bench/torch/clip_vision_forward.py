#!/usr/bin/env python3
"""The torch side of amalgam's evaluation-forward comparison (README, Performance, "Neural engine").

A CLIP ViT-B/32 vision tower written out in plain torch, shaped and computed as Hugging Face's eager
CLIPVisionModel (conv patch embedding, class token, positions, pre-LN, 12 pre-LN layers with quick GELU,
post-LN on the class token, visual_projection), timed forward under torch.no_grad() at batch 16 and 64.

  make-model DIR   writes a random ViT-B/32 CLIPModel (fixed seed; config.json + model.safetensors, the text
                   tower included so that `amalgam debug clip-forward` accepts it) and inputs-16 / inputs-64
                   .safetensors (pixel_values, input_ids, attention_mask) for `debug clip-forward`
  bench DIR        times the vision tower + projection on DIR's weights: batches interleaved (16, 64, 16, ...),
                   median of --runs timed forwards each after one warm-up, images/s and the marginal cost per image
                   between the two batches
  compare DIR      the same, interleaved run by run with amalgam's evaluation forward on the same weights
                   (`amalgam bench nn --model DIR --serve`, started here): torch 16, amalgam 16, torch 64,
                   amalgam 64, ... so both see the same machine; medians, images/s, marginal cost and the ratios
  check DIR OUT    compares `debug clip-forward`'s OUT (on inputs-16) with this forward: max |difference|

Run with Debian's torch (`apt-get install python3-torch libopenblas0-pthread`) as /usr/bin/python3. Where the
environment sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see the workplace notes), unset both for this command only
(`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...`): they pin an older, slower kernel. The kernel OpenBLAS picked
is printed.
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import statistics
import struct
import sys
import time

import numpy as np

WIDTH, MLP, LAYERS, HEADS, PATCH, IMAGE, PROJECTION = 768, 3072, 12, 12, 32, 224, 512
TEXT_WIDTH, TEXT_MLP, TEXT_HEADS, VOCAB, POSITIONS = 512, 2048, 8, 49408, 77
TOKENS = (IMAGE // PATCH) ** 2 + 1


# ---- safetensors without the safetensors package (F32 and I64 only) ----

def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, array in tensors.items():
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[array.dtype]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for array in tensors.values():
            out.write(np.ascontiguousarray(array).tobytes())
    os.replace(path + ".tmp", path)


def read_safetensors(path):
    data = np.memmap(path, dtype=np.uint8, mode="r")
    length = struct.unpack("<Q", bytes(data[:8]))[0]
    header = json.loads(bytes(data[8:8 + length]))
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        raw = data[8 + length + start:8 + length + end]
        tensors[name] = np.frombuffer(raw.tobytes(), dtype=dtype).reshape(info["shape"])
    return tensors


# ---- the random model ----

def config():
    tower = {"attention_dropout": 0.0, "dropout": 0.0, "hidden_act": "quick_gelu", "initializer_factor": 1.0,
             "initializer_range": 0.02, "layer_norm_eps": 1e-05}
    vision = dict(tower, model_type="clip_vision_model", hidden_size=WIDTH, intermediate_size=MLP,
                  num_hidden_layers=LAYERS, num_attention_heads=HEADS, image_size=IMAGE, patch_size=PATCH,
                  num_channels=3, projection_dim=PROJECTION)
    text = dict(tower, model_type="clip_text_model", hidden_size=TEXT_WIDTH, intermediate_size=TEXT_MLP,
                num_hidden_layers=LAYERS, num_attention_heads=TEXT_HEADS, vocab_size=VOCAB,
                max_position_embeddings=POSITIONS, bos_token_id=49406, eos_token_id=49407, pad_token_id=1,
                projection_dim=PROJECTION)
    return {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": PROJECTION,
            "logit_scale_init_value": 2.6592, "initializer_factor": 1.0, "torch_dtype": "float32",
            "vision_config": vision, "text_config": text}


def random_weights(seed):
    random = np.random.default_rng(seed)
    weights = {}

    def normal(name, *shape, std=0.02):
        weights[name] = (random.standard_normal(shape, dtype=np.float32) * std).astype(np.float32)

    def norm(name, width):
        weights[name + ".weight"] = np.ones(width, np.float32)
        weights[name + ".bias"] = np.zeros(width, np.float32)

    def layers(prefix, width, mlp):
        for layer in range(LAYERS):
            p = f"{prefix}encoder.layers.{layer}."
            for projection in ("q_proj", "k_proj", "v_proj", "out_proj"):
                normal(p + f"self_attn.{projection}.weight", width, width)
                normal(p + f"self_attn.{projection}.bias", width)
            norm(p + "layer_norm1", width)
            norm(p + "layer_norm2", width)
            normal(p + "mlp.fc1.weight", mlp, width)
            normal(p + "mlp.fc1.bias", mlp)
            normal(p + "mlp.fc2.weight", width, mlp)
            normal(p + "mlp.fc2.bias", width)

    v = "vision_model."
    normal(v + "embeddings.class_embedding", WIDTH)
    normal(v + "embeddings.patch_embedding.weight", WIDTH, 3, PATCH, PATCH)
    normal(v + "embeddings.position_embedding.weight", TOKENS, WIDTH)
    norm(v + "pre_layrnorm", WIDTH)
    layers(v, WIDTH, MLP)
    norm(v + "post_layernorm", WIDTH)
    normal("visual_projection.weight", PROJECTION, WIDTH)
    t = "text_model."
    normal(t + "embeddings.token_embedding.weight", VOCAB, TEXT_WIDTH)
    normal(t + "embeddings.position_embedding.weight", POSITIONS, TEXT_WIDTH)
    layers(t, TEXT_WIDTH, TEXT_MLP)
    norm(t + "final_layer_norm", TEXT_WIDTH)
    normal("text_projection.weight", PROJECTION, TEXT_WIDTH)
    weights["logit_scale"] = np.array(2.6592, np.float32)
    return weights


def inputs(batch, seed):
    random = np.random.default_rng(seed)
    pixels = random.standard_normal((batch, 3, IMAGE, IMAGE), dtype=np.float32)
    ids = np.full((2, POSITIONS), 1, np.int64)
    mask = np.zeros((2, POSITIONS), np.int64)
    for row, length in enumerate((9, 20)):
        ids[row, 0] = 49406
        ids[row, 1:length - 1] = random.integers(300, 40000, length - 2)
        ids[row, length - 1] = 49407
        mask[row, :length] = 1
    return {"pixel_values": pixels, "input_ids": ids, "attention_mask": mask}


def make_model(directory, seed):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as out:
        json.dump(config(), out, indent=2)
    write_safetensors(os.path.join(directory, "model.safetensors"), random_weights(seed))
    for batch in (16, 64):
        write_safetensors(os.path.join(directory, f"inputs-{batch}.safetensors"), inputs(batch, seed + batch))
    print(f"wrote {directory}: config.json, model.safetensors, inputs-16/64.safetensors")


# ---- the torch forward (Hugging Face CLIPVisionModel, eager attention) ----

def load_tower(directory):
    import torch
    weights = read_safetensors(os.path.join(directory, "model.safetensors"))
    return {name: torch.from_numpy(array.copy()) for name, array in weights.items()
            if name.startswith("vision_model.") or name == "visual_projection.weight"}


def vision_forward(w, pixels):
    """pooled [B, 768] and image_embeds [B, 512] as Hugging Face computes them."""
    import torch
    import torch.nn.functional as F
    v = "vision_model."
    batch = pixels.shape[0]
    patches = F.conv2d(pixels, w[v + "embeddings.patch_embedding.weight"], stride=PATCH).flatten(2).transpose(1, 2)
    cls = w[v + "embeddings.class_embedding"].expand(batch, 1, -1)
    hidden = torch.cat([cls, patches], dim=1) + w[v + "embeddings.position_embedding.weight"]
    hidden = F.layer_norm(hidden, (WIDTH,), w[v + "pre_layrnorm.weight"], w[v + "pre_layrnorm.bias"], 1e-5)
    d = WIDTH // HEADS
    for layer in range(LAYERS):
        p = f"{v}encoder.layers.{layer}."
        x = F.layer_norm(hidden, (WIDTH,), w[p + "layer_norm1.weight"], w[p + "layer_norm1.bias"], 1e-5)
        a = p + "self_attn."
        q = F.linear(x, w[a + "q_proj.weight"], w[a + "q_proj.bias"]) * d ** -0.5
        k = F.linear(x, w[a + "k_proj.weight"], w[a + "k_proj.bias"])
        vv = F.linear(x, w[a + "v_proj.weight"], w[a + "v_proj.bias"])
        q, k, vv = (t.view(batch, TOKENS, HEADS, d).transpose(1, 2) for t in (q, k, vv))
        attention = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        attended = (attention @ vv).transpose(1, 2).reshape(batch, TOKENS, WIDTH)
        hidden = hidden + F.linear(attended, w[a + "out_proj.weight"], w[a + "out_proj.bias"])
        x = F.layer_norm(hidden, (WIDTH,), w[p + "layer_norm2.weight"], w[p + "layer_norm2.bias"], 1e-5)
        up = F.linear(x, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])
        up = up * torch.sigmoid(1.702 * up)
        hidden = hidden + F.linear(up, w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])
    pooled = F.layer_norm(hidden[:, 0], (WIDTH,), w[v + "post_layernorm.weight"], w[v + "post_layernorm.bias"], 1e-5)
    return pooled, F.linear(pooled, w["visual_projection.weight"])


def openblas_core():
    """The kernel family the OpenBLAS that torch loaded runs on (empty when torch's BLAS is not OpenBLAS)."""
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            library = ctypes.CDLL(name)
            library.openblas_get_corename.restype = ctypes.c_char_p
            library.openblas_get_config.restype = ctypes.c_char_p
            return library.openblas_get_config().decode() + " core " + library.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return "not OpenBLAS"


def bench(directory, batches, runs, threads):
    import torch
    torch.set_num_threads(threads)
    w = load_tower(directory)
    generator = torch.Generator().manual_seed(7)
    pixels = {b: torch.randn(b, 3, IMAGE, IMAGE, generator=generator) for b in batches}
    times = {b: [] for b in batches}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {openblas_core()}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    with torch.no_grad():
        for b in batches:
            vision_forward(w, pixels[b])  # warm-up
        for _ in range(runs):
            for b in batches:  # interleaved, so both batches see the same machine
                start = time.perf_counter()
                vision_forward(w, pixels[b])
                times[b].append(time.perf_counter() - start)
    medians = {b: statistics.median(times[b]) for b in batches}
    for b in batches:
        print(f"  batch {b:3d}: median {medians[b]:.3f} s of {runs} (min {min(times[b]):.3f}), "
              f"{b / medians[b]:.1f} images/s")
    if len(batches) == 2:
        small, large = batches
        marginal = (medians[large] - medians[small]) / (large - small)
        print(f"  marginal cost per image ({small} -> {large}): {marginal * 1e3:.1f} ms = {1 / marginal:.1f} images/s")
    return medians


def compare(directory, batches, runs, threads, launcher):
    import subprocess
    import torch
    torch.set_num_threads(threads)
    w = load_tower(directory)
    generator = torch.Generator().manual_seed(7)
    pixels = {b: torch.randn(b, 3, IMAGE, IMAGE, generator=generator) for b in batches}
    amalgam = subprocess.Popen([launcher, "bench", "nn", "--model", directory, "--serve", "--threads", str(threads)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready = amalgam.stdout.readline().strip()
    if not ready.startswith("ready"):
        sys.exit(f"amalgam did not start: {ready!r}")

    def amalgam_forward(batch):
        amalgam.stdin.write(f"{batch}\n")
        amalgam.stdin.flush()
        return float(amalgam.stdout.readline())

    def torch_forward(batch):
        start = time.perf_counter()
        vision_forward(w, pixels[batch])
        return time.perf_counter() - start

    print(f"torch {torch.__version__}, {threads} threads, BLAS: {openblas_core()}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"amalgam: {ready[len('ready '):]}, evaluation forward (ClipImageEncoder), {threads} threads")
    times = {(side, b): [] for side in ("torch", "amalgam") for b in batches}
    with torch.no_grad():
        for b in batches:  # warm-up
            torch_forward(b)
            amalgam_forward(b)
        for _ in range(runs):
            for b in batches:
                times["torch", b].append(torch_forward(b))
                times["amalgam", b].append(amalgam_forward(b))
    amalgam.stdin.close()
    amalgam.wait()
    medians = {key: statistics.median(values) for key, values in times.items()}
    print(f"median of {runs} interleaved runs:")
    print(f"  {'batch':>6} {'torch s':>9} {'amalgam s':>10} {'torch img/s':>12} {'amalgam img/s':>14} {'amalgam/torch':>14}")
    for b in batches:
        t, a = medians["torch", b], medians["amalgam", b]
        print(f"  {b:6d} {t:9.3f} {a:10.3f} {b / t:12.1f} {b / a:14.1f} {t / a:13.2f}x")
    if len(batches) == 2:
        small, large = batches
        rates = {}
        for side in ("torch", "amalgam"):
            marginal = (medians[side, large] - medians[side, small]) / (large - small)
            rates[side] = 1 / marginal
            print(f"  marginal cost per image, {side:7s}: {marginal * 1e3:6.1f} ms = {1 / marginal:5.1f} images/s")
        print(f"  marginal images/s amalgam/torch: {rates['amalgam'] / rates['torch']:.2f}x")
        ratios = [times["torch", b][i] / times["amalgam", b][i] for b in batches for i in range(runs)]
        print(f"  per-run time ratios torch/amalgam: min {min(ratios):.2f}, median {statistics.median(ratios):.2f}, "
              f"max {max(ratios):.2f}")


def check(directory, output):
    import torch
    w = load_tower(directory)
    pixels = torch.from_numpy(read_safetensors(os.path.join(directory, "inputs-16.safetensors"))["pixel_values"].copy())
    with torch.no_grad():
        pooled, embeds = vision_forward(w, pixels)
    ours = read_safetensors(output)
    embeds = embeds / embeds.norm(dim=-1, keepdim=True)
    worst = 0.0
    for name, expected in (("vision_pooler_output", pooled), ("image_embeds", embeds)):
        difference = np.abs(ours[name] - expected.numpy())
        bound = 1e-4 + 1e-4 * np.abs(expected.numpy())
        print(f"  {name}: max |amalgam - torch| = {difference.max():.2e}, within 1e-4 + 1e-4|x|: {(difference <= bound).all()}")
        worst = max(worst, float((difference - bound).max()))
    return 0 if worst <= 0 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("make-model")
    make.add_argument("directory")
    make.add_argument("--seed", type=int, default=0)
    timing = commands.add_parser("bench")
    timing.add_argument("directory")
    timing.add_argument("--batches", type=int, nargs="+", default=[16, 64])
    timing.add_argument("--runs", type=int, default=5)
    timing.add_argument("--threads", type=int, default=2)
    interleaved = commands.add_parser("compare")
    interleaved.add_argument("directory")
    interleaved.add_argument("--batches", type=int, nargs="+", default=[16, 64])
    interleaved.add_argument("--runs", type=int, default=7)
    interleaved.add_argument("--threads", type=int, default=2)
    interleaved.add_argument("--amalgam", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "amalgam"),
                             help="the amalgam launcher (default: this checkout's)")
    parity = commands.add_parser("check")
    parity.add_argument("directory")
    parity.add_argument("output")
    args = parser.parse_args()
    if args.command == "make-model":
        make_model(args.directory, args.seed)
    elif args.command == "bench":
        bench(args.directory, args.batches, args.runs, args.threads)
    elif args.command == "compare":
        compare(args.directory, args.batches, args.runs, args.threads, args.amalgam)
    else:
        sys.exit(check(args.directory, args.output))


if __name__ == "__main__":
    main()
