"""PyTorch (CPU, f32) twin of the V1 scoring path, for the side-by-side benchmark.

Same architecture and weights as soma-ts's candle model: pre-norm layers, LayerNorm eps
1e-5, half-rotation RoPE at global byte positions, causal attention, erf GELU, biases
everywhere, final norm, untied predictor; per batch burn-style cross-entropy (PAD
ignored, mean over all positions) + 0.02 * SIGReg with the reference noise (arrgen),
running means over batches. Attention uses PyTorch's fused scaled_dot_product_attention,
the fastest CPU path it offers.

Usage: python torch_v1.py make-weights OUT.safetensors CONFIG_JSON SEED
       python torch_v1.py score WEIGHTS CONFIG_JSON DATA SEED REPEATS
Prints one JSON line.
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import save_file
from safetensors.torch import load_file

PAD, EOS = 256, 257


def tensor_shapes(c):
    d, h, v = c["embeddingDim"], c["pwffHiddenDim"], c["vocabSize"]
    out = {"embedding.weight": (v, d)}
    for l in range(c["numLayers"]):
        p = f"encoder.layers.{l}"
        for n in ("norm_1", "norm_2"):
            out[f"{p}.{n}.gamma"] = (d,)
            out[f"{p}.{n}.beta"] = (d,)
        for n in ("query", "key", "value", "output"):
            out[f"{p}.attention.{n}.weight"] = (d, d)
            out[f"{p}.attention.{n}.bias"] = (d,)
        out[f"{p}.pwff.linear_inner.weight"] = (d, h)
        out[f"{p}.pwff.linear_inner.bias"] = (h,)
        out[f"{p}.pwff.linear_outer.weight"] = (h, d)
        out[f"{p}.pwff.linear_outer.bias"] = (d,)
    out["final_norm.gamma"] = (d,)
    out["final_norm.beta"] = (d,)
    out["predictor.weight"] = (d, v)
    out["predictor.bias"] = (v,)
    return out


def make_weights(path, c, seed):
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, shape in tensor_shapes(c).items():
        if name.endswith(".gamma"):
            t = 1.0 + 0.1 * rng.standard_normal(shape)
        elif name.endswith((".beta", ".bias")):
            t = 0.02 * rng.standard_normal(shape)
        else:
            t = rng.standard_normal(shape) / math.sqrt(shape[0])
        tensors[name] = np.ascontiguousarray(t, dtype=np.float32)
    save_file(tensors, path)


class V1:
    def __init__(self, w, c):
        self.w, self.c = w, c
        self.d, self.h = c["embeddingDim"], c["numHeads"]
        self.hd = self.d // self.h
        half = self.hd // 2
        frac = torch.arange(half, dtype=torch.float32) * 2.0 / self.hd
        self.timescale = torch.full((half,), 10000.0) ** frac

    def ln(self, x, p):
        return F.layer_norm(x, (self.d,), self.w[p + ".gamma"], self.w[p + ".beta"], 1e-5)

    def lin(self, x, p):
        return torch.addmm(self.w[p + ".bias"], x.reshape(-1, x.shape[-1]), self.w[p + ".weight"]).reshape(*x.shape[:-1], -1)

    def rope(self, x, cos, sin):
        half = self.hd // 2
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)

    def encode(self, tokens, pos):
        b, s = tokens.shape
        x = self.w["embedding.weight"][tokens]
        angle = pos.to(torch.float32).unsqueeze(-1) / self.timescale  # [b,s,half]
        cos, sin = angle.cos().unsqueeze(1), angle.sin().unsqueeze(1)  # [b,1,s,half]
        for l in range(self.c["numLayers"]):
            p = f"encoder.layers.{l}"
            hh = self.ln(x, p + ".norm_1")
            q, k, v = (self.lin(hh, f"{p}.attention.{n}").view(b, s, self.h, self.hd).transpose(1, 2) for n in ("query", "key", "value"))
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            ctx = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.lin(ctx.transpose(1, 2).reshape(b, s, self.d), p + ".attention.output")
            hh = self.ln(x, p + ".norm_2")
            x = x + self.lin(F.gelu(self.lin(hh, p + ".pwff.linear_inner")), p + ".pwff.linear_outer")
        return self.ln(x, "final_norm")


def batches(data, seq, bs):
    n = len(data)
    chunks = -(-n // seq)
    for first in range(0, chunks, bs):
        toks, poss = [], []
        for c in range(first, min(first + bs, chunks)):
            start = c * seq
            length = min(n - start, seq)
            t = np.full(seq, PAD, dtype=np.int64)
            t[:length] = np.frombuffer(data[start:start + length], dtype=np.uint8)
            if start + length == n and length < seq:
                t[length] = EOS
            p = start + np.minimum(np.arange(seq), length)
            toks.append(t)
            poss.append(p)
        yield torch.from_numpy(np.stack(toks)), torch.from_numpy(np.stack(poss))


def sigreg_tables(points=17, t_max=3.0):
    dt = t_max / (points - 1)
    t = torch.arange(points, dtype=torch.float32) * dt
    phi = torch.exp(-t.square() / 2.0)
    w = torch.full((points,), dt)
    w[1:-1] = 2 * dt
    return t, phi, w * phi


def score(model, data, seed, noise_fn):
    c = model.c
    t, phi, wts = sigreg_tables()
    emb, loss, k = None, None, 0
    for idx, (tokens, pos) in enumerate(batches(data, c["maxSeqLen"], c["batchSize"])):
        reps = model.encode(tokens, pos)
        logits = model.lin(reps, "predictor")
        targets = torch.cat((tokens[:, 1:], torch.full((tokens.shape[0], 1), PAD)), dim=1)
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD, reduction="sum")
        ce = nll / targets.numel()
        noise = noise_fn(seed + idx, model.d)
        a = noise / noise.norm(dim=0)
        y = (reps @ a).unsqueeze(-1) * t  # [b,s,K,P]
        err = (y.cos().mean(2) - phi) ** 2 + y.sin().mean(2) ** 2
        sig = ((err * wts).sum(-1) * noise.shape[1]).mean()
        l_b = ce + 0.02 * sig
        e_b = reps.mean(1).mean(0)
        k += 1
        emb = e_b if emb is None else emb + (e_b - emb) / k
        loss = l_b if loss is None else loss + (l_b - loss) / k
    return float(loss), emb.tolist()


def main():
    if sys.argv[1] == "make-weights":
        make_weights(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps({"ok": True}))
        return
    _, _, weights, config, data_path, seed, repeats = sys.argv
    c = json.loads(config)
    try:
        import arrgen

        def noise_fn(s, d):
            return torch.from_numpy(np.asarray(arrgen.normal_array(s, [d, 256], 0.0, 1.0), dtype=np.float32))
    except ImportError:

        def noise_fn(s, d):
            return torch.randn(d, 256, generator=torch.Generator().manual_seed(s))

    model = V1({k: v.to(torch.float32) for k, v in load_file(weights).items()}, c)
    data = open(data_path, "rb").read()
    times, out = [], None
    with torch.inference_mode():
        score(model, data[: min(len(data), c["maxSeqLen"])], int(seed), noise_fn)  # warm-up
        for _ in range(int(repeats)):
            t0 = time.perf_counter()
            out = score(model, data, int(seed), noise_fn)
            times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": times, "loss": out[0], "embedding": out[1], "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
