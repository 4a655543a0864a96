"""Writes the ONNX test fixtures of the onnx module (run from the repository root):

    /usr/bin/python3 onnx/src/test/python/make_fixtures.py [OUT_DIR] [--full]

Needs Debian's python3-torch, python3-numpy and python3-onnx. Builds the tutorial U-Net of
../shared/BENCHMARKS.md ("Image score network") in PyTorch with random weights (seed 0), exports
it to ONNX (opset 13) and writes, for fixed inputs, the network's outputs and one input
vector-Jacobian product as .npy files beside it:

    tutorial-unet-small.onnx   channels (16, 32, 32, 32), embedding 32: the committed fixture
    tutorial-unet.onnx         the benchmark's widths (32, 64, 128, 256), embedding 256 (--full)
    <name>.x.npy [4,1,28,28]  <name>.t.npy [4]  <name>.out.npy [4,1,28,28]
    <name>.v.npy, <name>.vjp.npy  v^T d out / d x

The network takes x [N,1,28,28] and t [N] (time in [0, 1] of a VE SDE with sigma_max 25) and
returns the score (it divides by the marginal std itself), as the score-SDE tutorial's does.
"""
import math, os, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIGMA_MAX = 25.0


def std_ve(t):
    # marginal std of the VE SDE with sigma_min -> 0 (the tutorial's kernel), docs/math.md
    return torch.sqrt((SIGMA_MAX ** (2 * t) - 1.0) / (2 * math.log(SIGMA_MAX)))


class TimeFeatures(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.register_buffer("freq", torch.randn(width // 2) * 30.0)

    def forward(self, t):
        angle = 2 * math.pi * t.unsqueeze(1) * self.freq.unsqueeze(0)
        return torch.cat((angle.sin(), angle.cos()), 1)


class Block(nn.Module):
    """conv (or transposed conv) + Dense(e) over H, W + GroupNorm + SiLU."""

    def __init__(self, conv, out_ch, emb, groups):
        super().__init__()
        self.conv, self.shift, self.norm = conv, nn.Linear(emb, out_ch), nn.GroupNorm(groups, out_ch)

    def forward(self, h, e):
        return F.silu(self.norm(self.conv(h) + self.shift(e).unsqueeze(-1).unsqueeze(-1)))


class TutorialUNet(nn.Module):
    def __init__(self, ch, emb):
        super().__init__()
        c1, c2, c3, c4 = ch
        self.time = nn.Sequential(TimeFeatures(emb), nn.Linear(emb, emb))
        g = lambda c: min(32, c)
        self.down = nn.ModuleList([
            Block(nn.Conv2d(1, c1, 3, 1, bias=False), c1, emb, 4),
            Block(nn.Conv2d(c1, c2, 3, 2, bias=False), c2, emb, g(c2)),
            Block(nn.Conv2d(c2, c3, 3, 2, bias=False), c3, emb, g(c3)),
            Block(nn.Conv2d(c3, c4, 3, 2, bias=False), c4, emb, g(c4))])
        self.up = nn.ModuleList([
            Block(nn.ConvTranspose2d(c4, c3, 3, 2, bias=False), c3, emb, g(c3)),
            Block(nn.ConvTranspose2d(2 * c3, c2, 3, 2, bias=False, output_padding=1), c2, emb, g(c2)),
            Block(nn.ConvTranspose2d(2 * c2, c1, 3, 2, bias=False, output_padding=1), c1, emb, g(c1))])
        self.last = nn.ConvTranspose2d(2 * c1, 1, 3, 1)

    def forward(self, x, t):
        e = F.silu(self.time(t))
        skips, h = [], x
        for b in self.down:
            h = b(h, e)
            skips.append(h)
        h = self.up[0](skips[3], e)
        h = self.up[1](torch.cat((h, skips[2]), 1), e)
        h = self.up[2](torch.cat((h, skips[1]), 1), e)
        return self.last(torch.cat((h, skips[0]), 1)) / std_ve(t).view(-1, 1, 1, 1)


def write(out_dir, name, ch, emb):
    torch.manual_seed(0)
    net = TutorialUNet(ch, emb).eval()
    # GroupNorm's affine parameters start at 1 and 0; randomise them so that a mix-up shows
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.GroupNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(4, 1, 28, 28, generator=g)
    t = torch.tensor([0.05, 0.3, 0.6, 1.0])
    v = torch.randn(4, 1, 28, 28, generator=g)
    xx = x.clone().requires_grad_(True)
    out = net(xx, t)
    (vjp,) = torch.autograd.grad((out * v).sum(), xx)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(net, (x, t), path, input_names=["x", "t"], output_names=["score"], opset_version=13,
                      dynamic_axes={"x": {0: "batch"}, "t": {0: "batch"}, "score": {0: "batch"}})
    for k, a in (("x", x), ("t", t), ("out", out), ("v", v), ("vjp", vjp)):
        np.save(os.path.join(out_dir, "%s.%s.npy" % (name, k)), a.detach().numpy().astype(np.float32))
    print(path, sum(p.numel() for p in net.parameters()), "parameters")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out_dir = args[0] if args else "onnx/src/test/resources/onnx"
    os.makedirs(out_dir, exist_ok=True)
    write(out_dir, "tutorial-unet-small", (16, 32, 32, 32), 32)
    if "--full" in sys.argv:
        write(out_dir, "tutorial-unet", (32, 64, 128, 256), 256)


if __name__ == "__main__":
    main()
