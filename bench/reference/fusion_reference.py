#!/usr/bin/env python3
"""An independent implementation of FusionBench's data-dependent CLIP methods, for amalgam's reference tests.

Written from the method definitions in the project's specification (FusionBench's semantics: data order, statistics,
merge rules), in plain torch with float64 arithmetic, sharing no code with amalgam. It makes a small, fresh CLIP
vision pool with image-folder task pools and writes what each method must produce on it; the Java test
`amalgam.fusion.ReferenceSemanticsTest` runs amalgam on the same files and compares tensor by tensor (merges) or
metric by metric (ensembles).

  make DIR [--seed S]   writes DIR/pool.yaml (a pretrained CLIPVisionModelWithProjection and three task models),
                        DIR/tasks.yaml (three tasks: train and test image folders of PNGs, zero-shot heads),
                        then DIR/expected.safetensors and DIR/expected.json (see `expect`)
  expect DIR            recomputes DIR/expected.* from the files in DIR

The pool is small enough that every method's data choice is order-free: each train split (12 images) is smaller
than one batch of Fisher/RegMean (32) and than their example counts (256), so both read the whole split once, in
whatever order; each test split (9 images) is smaller than AdaMerging's batch (16), so every test-time batch is the
whole split. Seeds and torch's random streams then cannot change a result, and amalgam must match to rounding.

Run with Debian's torch and numpy as /usr/bin/python3 (Pillow for PNG).
"""
import argparse
import json
import os
import struct

import numpy as np

WIDTH, MLP, LAYERS, HEADS, PATCH, IMAGE, PROJECTION = 32, 64, 2, 2, 4, 16, 16
TOKENS = (IMAGE // PATCH) ** 2 + 1
TASKS = ["alpha", "beta", "gamma"]
CLASSES = 3
TRAIN_PER_CLASS, TEST_PER_CLASS = 4, 3
MEAN = np.array([0.48145466, 0.4578275, 0.40821073])
STD = np.array([0.26862954, 0.26130258, 0.27577711])
LOGIT_SCALE = float(np.log(30.0))
ADAMERGING_STEPS = 5
FW_ITERATIONS = 2


# ---- files ----

def write_safetensors(path, tensors, metadata=None):
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype=np.float32)
        tensors[name] = array
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for array in tensors.values():
            out.write(array.tobytes())


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        assert info["dtype"] == "F32", name
        tensors[name] = np.frombuffer(data[8 + length + start:8 + length + end], dtype=np.float32).reshape(info["shape"])
    return tensors


def config():
    return {"architectures": ["CLIPVisionModelWithProjection"], "model_type": "clip_vision_model", "hidden_size": WIDTH,
            "intermediate_size": MLP, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5, "image_size": IMAGE, "patch_size": PATCH, "num_channels": 3, "projection_dim": PROJECTION,
            "initializer_range": 0.02, "initializer_factor": 1.0, "attention_dropout": 0.0, "dropout": 0.0,
            "torch_dtype": "float32"}


def tower_names():
    v = "vision_model."
    names = [v + "embeddings.class_embedding", v + "embeddings.patch_embedding.weight",
             v + "embeddings.position_embedding.weight", v + "pre_layrnorm.weight", v + "pre_layrnorm.bias"]
    for layer in range(LAYERS):
        p = f"{v}encoder.layers.{layer}."
        for projection in ("q_proj", "k_proj", "v_proj", "out_proj"):
            names += [p + f"self_attn.{projection}.weight", p + f"self_attn.{projection}.bias"]
        names += [p + "layer_norm1.weight", p + "layer_norm1.bias"]
        names += [p + "mlp.fc1.weight", p + "mlp.fc1.bias", p + "mlp.fc2.weight", p + "mlp.fc2.bias"]
        names += [p + "layer_norm2.weight", p + "layer_norm2.bias"]
    return names + [v + "post_layernorm.weight", v + "post_layernorm.bias"]


def linear_names():
    names = []
    for layer in range(LAYERS):
        p = f"vision_model.encoder.layers.{layer}."
        names += [p + f"self_attn.{x}.weight" for x in ("q_proj", "k_proj", "v_proj", "out_proj")]
        names += [p + "mlp.fc1.weight", p + "mlp.fc2.weight"]
    return names


# ---- making the pool ----

def make(directory, seed):
    from PIL import Image
    rng = np.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)
    shapes = {"class_embedding": (WIDTH,), "patch_embedding.weight": (WIDTH, 3, PATCH, PATCH),
              "position_embedding.weight": (TOKENS, WIDTH)}
    base = {}
    for name in tower_names():
        short = name.split("embeddings.")[-1]
        if short in shapes:
            base[name] = rng.standard_normal(shapes[short]) * 0.1
        elif "layer_norm" in name or "layrnorm" in name or "layernorm" in name:
            base[name] = (1.0 if name.endswith("weight") else 0.0) + rng.standard_normal(WIDTH) * 0.1
        else:
            out_features = MLP if ".fc1." in name else WIDTH
            in_features = MLP if ".fc2." in name else WIDTH
            base[name] = rng.standard_normal((out_features, in_features) if name.endswith("weight") else out_features) \
                * (in_features ** -0.5)
    projection = rng.standard_normal((PROJECTION, WIDTH)) * WIDTH ** -0.5
    models = {"pretrained": base}
    for task in TASKS:
        models[task] = {name: value + rng.standard_normal(value.shape) * 0.05 * (np.abs(value).mean() + 0.02)
                        for name, value in base.items()}
    for model, weights in models.items():
        os.makedirs(os.path.join(directory, model), exist_ok=True)
        tensors = {name: value for name, value in weights.items()}
        tensors["visual_projection.weight"] = projection
        write_safetensors(os.path.join(directory, model, "model.safetensors"), tensors, {"format": "pt"})
        with open(os.path.join(directory, model, "config.json"), "w") as out:
            json.dump(config(), out, indent=2)
    for t, task in enumerate(TASKS):
        palette = rng.integers(0, 256, (CLASSES, 2, 3))
        for split, per_class in (("train", TRAIN_PER_CLASS), ("test", TEST_PER_CLASS)):
            for c in range(CLASSES):
                folder = os.path.join(directory, "data", task, split, f"class{c}")
                os.makedirs(folder, exist_ok=True)
                for i in range(per_class):
                    # a class-coloured pattern with noise: classes differ, images within a class too
                    yy, xx = np.mgrid[0:IMAGE, 0:IMAGE]
                    mix = ((xx * (c + 1) + yy * (t + 1) + i) % 5) / 4.0
                    pixels = palette[c, 0] * mix[..., None] + palette[c, 1] * (1 - mix[..., None])
                    pixels = pixels + rng.normal(0, 25, pixels.shape)
                    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB").save(
                        os.path.join(folder, f"{i:02d}.png"))
        head = rng.standard_normal((CLASSES, PROJECTION))
        head /= np.linalg.norm(head, axis=1, keepdims=True)
        write_safetensors(os.path.join(directory, f"{task}.safetensors"),
                          {"weight": head, "logit_scale": np.array(LOGIT_SCALE)}, {"format": "pt"})
    with open(os.path.join(directory, "pool.yaml"), "w") as out:
        out.write("models:\n  _pretrained_: pretrained\n" + "".join(f"  {task}: {task}\n" for task in TASKS))
    with open(os.path.join(directory, "tasks.yaml"), "w") as out:
        out.write("tasks:\n" + "".join(
            f"  {task}: {{train: data/{task}/train, test: data/{task}/test, head: {task}.safetensors}}\n" for task in TASKS)
                  + "batch_size: 4\n")


# ---- reading the pool as torch float64 ----

def load(directory):
    import torch
    models = {}
    for model in ["pretrained"] + TASKS:
        tensors = read_safetensors(os.path.join(directory, model, "model.safetensors"))
        models[model] = {name: torch.tensor(value, dtype=torch.float64) for name, value in tensors.items()}
    heads = {}
    for task in TASKS:
        head = read_safetensors(os.path.join(directory, f"{task}.safetensors"))
        heads[task] = (torch.tensor(head["weight"], dtype=torch.float64), float(head["logit_scale"]))
    return models, heads


def images(directory, task, split):
    """ImageFolder order: classes by sorted folder name, files by sorted name; CLIP-normalized, float64."""
    import torch
    from PIL import Image
    root = os.path.join(directory, "data", task, split)
    pixels, labels = [], []
    for label, folder in enumerate(sorted(os.listdir(root))):
        for file in sorted(os.listdir(os.path.join(root, folder))):
            rgb = np.asarray(Image.open(os.path.join(root, folder, file)).convert("RGB"), dtype=np.float64) / 255.0
            pixels.append(((rgb - MEAN) / STD).transpose(2, 0, 1))
            labels.append(label)
    return torch.tensor(np.stack(pixels)), torch.tensor(labels)


# ---- the model, as Hugging Face's CLIPVisionModel computes it ----

def layer_norm(x, w, prefix):
    import torch.nn.functional as F
    return F.layer_norm(x, (WIDTH,), w[prefix + ".weight"], w[prefix + ".bias"], 1e-5)


def embed(w, pixels):
    import torch
    import torch.nn.functional as F
    v = "vision_model."
    batch = pixels.shape[0]
    patches = F.conv2d(pixels, w[v + "embeddings.patch_embedding.weight"], stride=PATCH).flatten(2).transpose(1, 2)
    cls = w[v + "embeddings.class_embedding"].expand(batch, 1, -1)
    hidden = torch.cat([cls, patches], dim=1) + w[v + "embeddings.position_embedding.weight"]
    return layer_norm(hidden, w, v + "pre_layrnorm")


def block(w, layer, hidden, inputs=None):
    """One encoder layer; `inputs`, when given, collects each Linear's input by its weight name (RegMean's hooks)."""
    import torch
    import torch.nn.functional as F
    p = f"vision_model.encoder.layers.{layer}."
    batch = hidden.shape[0]
    d = WIDTH // HEADS

    def linear(name, x):
        if inputs is not None:
            inputs[p + name + ".weight"] = x.reshape(-1, x.shape[-1])
        return F.linear(x, w[p + name + ".weight"], w[p + name + ".bias"])

    x = layer_norm(hidden, w, p + "layer_norm1")
    q = linear("self_attn.q_proj", x) * d ** -0.5
    k = linear("self_attn.k_proj", x)
    v = linear("self_attn.v_proj", x)
    q, k, v = (t.view(batch, -1, HEADS, d).transpose(1, 2) for t in (q, k, v))
    attended = (torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v).transpose(1, 2).reshape(batch, -1, WIDTH)
    hidden = hidden + linear("self_attn.out_proj", attended)
    x = layer_norm(hidden, w, p + "layer_norm2")
    up = linear("mlp.fc1", x)
    up = up * torch.sigmoid(1.702 * up)
    return hidden + linear("mlp.fc2", up)


def pooled(w, pixels, inputs=None):
    hidden = embed(w, pixels)
    for layer in range(LAYERS):
        hidden = block(w, layer, hidden, inputs)
    return layer_norm(hidden[:, 0], w, "vision_model.post_layernorm")


def logits(w, projection, head, features):
    import torch.nn.functional as F
    weight, scale = head
    embeds = F.normalize(F.linear(features, projection), dim=-1)
    return np.exp(scale) * embeds @ weight.T


def metrics(logit_batches, label_batches):
    """FusionBench's: accuracy over all images, loss = mean over batches of the batch's mean cross-entropy."""
    import torch.nn.functional as F
    correct = sum(int((l.argmax(-1) == y).sum()) for l, y in zip(logit_batches, label_batches))
    total = sum(len(y) for y in label_batches)
    loss = sum(float(F.cross_entropy(l, y)) for l, y in zip(logit_batches, label_batches)) / len(label_batches)
    return correct / total, loss


# ---- the methods ----

def ensembles(directory, models, heads, batch_size):
    import torch
    projection = models["pretrained"]["visual_projection.weight"]
    out = {}
    for name, combine in (("simple_ensemble", lambda f: torch.stack(f).mean(0)),
                          ("max_model_predictor", lambda f: torch.stack(f).max(0).values)):
        for task in TASKS:
            pixels, labels = images(directory, task, "test")
            logit_batches, label_batches = [], []
            for start in range(0, len(labels), batch_size):
                features = [pooled(models[m], pixels[start:start + batch_size]) for m in TASKS]
                logit_batches.append(logits(models["pretrained"], projection, heads[task], combine(features)))
                label_batches.append(labels[start:start + batch_size])
            accuracy, loss = metrics(logit_batches, label_batches)
            out[f"{name}/{task}"] = {"accuracy": accuracy, "loss": loss}
    return out


def fisher(directory, models, heads):
    import torch
    projection = models["pretrained"]["visual_projection.weight"]
    names = tower_names()
    fishers = {}
    for task in TASKS:
        w = {name: models[task][name].clone().requires_grad_(name in names) for name in models[task]}
        pixels, _ = images(directory, task, "train")  # first 256 in dataset order, batches of 32: the whole split
        out = logits(w, projection, heads[task], pooled(w, pixels))
        log_probabilities = torch.log_softmax(out, dim=-1)
        probabilities = torch.softmax(out, dim=-1).detach()
        (probabilities.sqrt() * log_probabilities).sum().backward()
        fishers[task] = {name: w[name].grad.detach() ** 2 / len(pixels) for name in names}
    norms = {task: torch.sqrt(sum((f ** 2).sum() for f in fishers[task].values())) for task in TASKS}
    inverse = {task: 1 / (norms[task] + 1e-6) for task in TASKS}
    coefficients = {task: inverse[task] / sum(inverse.values()) for task in TASKS}
    merged = {}
    for name in names:
        numerator = sum(coefficients[t] * (fishers[t][name] + 1e-6) * models[t][name] for t in TASKS)
        denominator = sum(coefficients[t] * (fishers[t][name] + 1e-6) for t in TASKS)
        merged[name] = numerator / denominator
    return merged


def regmean_rule(grams, weights, alpha):
    import torch
    reduced = []
    for gram in grams:
        scale = alpha * torch.ones_like(gram) + (1 - alpha) * torch.eye(gram.shape[0], dtype=gram.dtype)
        reduced.append(gram * scale)
    total = sum(reduced)
    return (torch.linalg.inv(total) @ sum(g @ w.T for g, w in zip(reduced, weights))).T


def regmean(directory, models, alpha=0.95):
    grams = {task: {} for task in TASKS}
    for task in TASKS:
        pixels, _ = images(directory, task, "train")  # 256 shuffled examples, batches of 32: the whole split
        inputs = {}
        pooled(models[task], pixels, inputs)
        for name, x in inputs.items():
            grams[task][name] = x.T @ x / x.shape[0]
    merged = {}
    for name in tower_names():
        if name in linear_names():
            merged[name] = regmean_rule([grams[t][name] for t in TASKS], [models[t][name] for t in TASKS], alpha)
        else:
            merged[name] = sum(models[t][name] for t in TASKS) / len(TASKS)
    return merged


def regmean_plusplus(directory, models, alpha=0.95):
    names = tower_names()
    merged = {}
    for name in names:
        if ".encoder." not in name and "post_layernorm" not in name:
            merged[name] = sum(models[t][name] for t in TASKS) / len(TASKS)
    merged["vision_model.post_layernorm.weight"] = models["pretrained"]["vision_model.post_layernorm.weight"]
    merged["vision_model.post_layernorm.bias"] = models["pretrained"]["vision_model.post_layernorm.bias"]
    hidden = {task: embed(merged, images(directory, task, "train")[0]) for task in TASKS}
    for layer in range(LAYERS):
        prefix = f"vision_model.encoder.layers.{layer}."
        grams = {}
        for task in TASKS:
            inputs = {}
            block(models[task], layer, hidden[task], inputs)
            grams[task] = {name: x.T @ x / x.shape[0] for name, x in inputs.items()}
        for name in names:
            if name.startswith(prefix):
                if name in linear_names():
                    merged[name] = regmean_rule([grams[t][name] for t in TASKS], [models[t][name] for t in TASKS], alpha)
                else:
                    merged[name] = sum(models[t][name] for t in TASKS) / len(TASKS)
        hidden = {task: block(merged, layer, hidden[task]) for task in TASKS}
    return merged


def adamerging(directory, models, heads, layer_wise, steps=ADAMERGING_STEPS):
    import torch
    names = tower_names()
    base = models["pretrained"]
    projection = base["visual_projection.weight"]
    taus = {t: {n: models[t][n] - base[n] for n in names} for t in TASKS}
    lam = torch.full((len(TASKS), len(names) if layer_wise else 1), 0.3, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([lam], lr=1e-3)
    tests = {task: images(directory, task, "test")[0] for task in TASKS}  # batch 16 > 9 images: the whole split
    for _ in range(steps):
        optimizer.zero_grad()
        w = {n: base[n] + sum(lam[i, names.index(n) if layer_wise else 0] * taus[t][n] for i, t in enumerate(TASKS))
             for n in names}
        loss = 0
        for task in TASKS:
            p = torch.softmax(logits(w, projection, heads[task], pooled(w, tests[task])), dim=-1)
            loss = loss + (-(p * torch.log(p + 1e-8)).sum(-1)).mean()
        loss.backward()
        optimizer.step()
    lam = lam.detach()
    merged = {n: base[n] + sum(lam[i, names.index(n) if layer_wise else 0] * taus[t][n] for i, t in enumerate(TASKS))
              for n in names}
    return lam, merged


def trust_region(directory, models, heads, scaling=0.3, quantile=0.99):
    import torch
    import torch.nn.functional as F
    names = tower_names()
    base = models["pretrained"]
    projection = base["visual_projection.weight"]
    taus = {t: torch.cat([(models[t][n] - base[n]).flatten() for n in names]) for t in TASKS}
    mean_gradients = {}
    for task in TASKS:
        pixels, labels = images(directory, task, "train")  # 128 shuffled samples: the whole split
        total = torch.zeros_like(taus[task])
        for i in range(len(labels)):
            w = {n: base[n].clone().requires_grad_(n in names) for n in base}
            out = logits(w, projection, heads[task], pooled(w, pixels[i:i + 1]))
            F.cross_entropy(out, labels[i:i + 1]).backward()
            total += torch.cat([w[n].grad.flatten() for n in names]).abs()
        mean_gradients[task] = total / len(labels)
    omega = sum(mean_gradients[i] * taus[j].abs() for i in TASKS for j in TASKS if i != j)
    ordered = torch.sort(omega).values
    threshold = ordered[min(max(int(len(omega) * quantile), 0), len(omega) - 1)]
    mask = omega < threshold
    flat = torch.cat([base[n].flatten() for n in names]) + scaling * sum(mask * taus[t] for t in TASKS)
    merged, at = {}, 0
    for n in names:
        merged[n] = flat[at:at + base[n].numel()].reshape(base[n].shape)
        at += base[n].numel()
    return merged


def frank_wolfe(directory, models, heads, iterations=FW_ITERATIONS, step_size=0.1, scaling=0.3):
    """fw_hard, task granularity, task arithmetic, N = the whole train split (one epoch per iteration: order-free)."""
    import torch
    import torch.nn.functional as F
    names = tower_names()
    base = models["pretrained"]
    projection = base["visual_projection.weight"]
    theta = {n: base[n] + scaling * sum(models[t][n] - base[n] for t in TASKS) for n in names}
    initial = {n: v.clone() for n, v in theta.items()}
    candidates = [models[t] for t in TASKS] + [initial]
    for k in range(iterations):
        w = {n: theta[n].clone().requires_grad_(True) for n in names}
        loss = 0
        for task in TASKS:
            pixels, labels = images(directory, task, "train")
            out = logits(w, projection, heads[task], pooled(w, pixels))
            loss = loss + F.cross_entropy(out, labels, reduction="sum") / (len(labels) * len(TASKS))
        loss.backward()
        scores = []
        for candidate in candidates:
            scores.append(sum(float(torch.dot(w[n].grad.flatten(), candidate[n].flatten())
                                    / (w[n].grad.norm() * candidate[n].norm())) for n in names))
        chosen = candidates[int(np.argmin(scores))]
        step = 2 / (k + 2) * step_size * scaling
        theta = {n: theta[n] + step * (chosen[n] - theta[n]) for n in names}
    return theta


# ---- writing what amalgam must produce ----

def expect(directory):
    import torch
    torch.set_num_threads(1)
    models, heads = load(directory)
    tensors, numbers = {}, {}
    numbers.update(ensembles(directory, models, heads, batch_size=4))
    for method, merged in (("fisher_merging/clip_fisher_merging", fisher(directory, models, heads)),
                           ("regmean/clip_regmean", regmean(directory, models)),
                           ("regmean_plusplus/clip_regmean_plusplus", regmean_plusplus(directory, models)),
                           ("trust_region/clip_task_arithmetic", trust_region(directory, models, heads)),
                           ("fw_merging/fw_hard", frank_wolfe(directory, models, heads))):
        for name, value in merged.items():
            tensors[f"{method}/{name}"] = value.detach().numpy()
    for layer_wise in (False, True):
        lam, merged = adamerging(directory, models, heads, layer_wise)
        method = "adamerging/" + ("clip_layer_wise_adamerging" if layer_wise else "clip_task_wise_adamerging")
        tensors[f"{method}/lambda"] = lam.numpy()
        for name, value in merged.items():
            tensors[f"{method}/{name}"] = value.numpy()
    write_safetensors(os.path.join(directory, "expected.safetensors"), tensors, {"format": "pt"})
    numbers["adamerging_steps"] = ADAMERGING_STEPS
    numbers["fw_iterations"] = FW_ITERATIONS
    with open(os.path.join(directory, "expected.json"), "w") as out:
        json.dump(numbers, out, indent=2, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    make_command = commands.add_parser("make")
    make_command.add_argument("directory")
    make_command.add_argument("--seed", type=int, default=2026)
    expect_command = commands.add_parser("expect")
    expect_command.add_argument("directory")
    arguments = parser.parse_args()
    if arguments.command == "make":
        make(arguments.directory, arguments.seed)
    expect(arguments.directory)


if __name__ == "__main__":
    main()
