"""Loads the weights of the library's tutorial U-Net (float64, written by UNetAgainstPyTorchTest)
into the PyTorch reference's TutorialUNet (b6_unet.py) and prints, as JSON, the largest
differences of the network output (times the marginal std) and of an input VJP.
argv: the reference folder, the folder of the written files."""
import json, sys
import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
import b6_unet as ref

torch.set_default_dtype(torch.float64)
d = sys.argv[2]
net = ref.TutorialUNet().double()
flat = np.load(d + "/params.npy").astype(np.float64).reshape(-1)
tensors, off = {}, 0
for line in open(d + "/layout.txt"):
    name, shape = line.split()
    shape = tuple(int(s) for s in shape.split(","))
    n = int(np.prod(shape))
    tensors[name] = torch.tensor(flat[off:off + n].reshape(shape))
    off += n
state = {"embed.0.W": torch.tensor(np.loadtxt(d + "/fourier.txt")),
         "embed.1.weight": tensors["embed_W"].T, "embed.1.bias": tensors["embed_b"],
         "tconv1.weight": tensors["out_tconv"].permute(3, 2, 0, 1), "tconv1.bias": tensors["out_b"]}
for i in range(4):
    # the library's convolutions are [kH, kW, in, out]; PyTorch's [out, in, kH, kW]
    state[f"conv{i + 1}.weight"] = tensors[f"enc{i}_conv"].permute(3, 2, 0, 1)
    state[f"dense{i + 1}.d.weight"] = tensors[f"enc{i}_dense_W"].T
    state[f"dense{i + 1}.d.bias"] = tensors[f"enc{i}_dense_b"]
    state[f"gn{i + 1}.weight"] = tensors[f"enc{i}_gn_gamma"]
    state[f"gn{i + 1}.bias"] = tensors[f"enc{i}_gn_beta"]
for level, (tc, dense, gn) in {3: ("tconv4", "dense5", "tgn4"), 2: ("tconv3", "dense6", "tgn3"),
                               1: ("tconv2", "dense7", "tgn2")}.items():
    # transposed convolutions: the library's [kH, kW, out, in]; PyTorch's [in, out, kH, kW]
    state[tc + ".weight"] = tensors[f"dec{level}_tconv"].permute(3, 2, 0, 1)
    state[dense + ".d.weight"] = tensors[f"dec{level}_dense_W"].T
    state[dense + ".d.bias"] = tensors[f"dec{level}_dense_b"]
    state[gn + ".weight"] = tensors[f"dec{level}_gn_gamma"]
    state[gn + ".bias"] = tensors[f"dec{level}_gn_beta"]
net.load_state_dict({k: v.contiguous() for k, v in state.items()})
x = torch.tensor(np.load(d + "/x.npy").astype(np.float64), requires_grad=True)
v = torch.tensor(np.load(d + "/v.npy").astype(np.float64))
t = torch.tensor(np.load(d + "/t.npy").astype(np.float64)).reshape(-1)
out = net(x, t) * ref.marginal_std(t)[:, None, None, None]
(vjp,) = torch.autograd.grad((out * v).sum(), x)
mine_out = torch.tensor(np.load(d + "/out.npy").astype(np.float64))
mine_vjp = torch.tensor(np.load(d + "/vjp.npy").astype(np.float64))
print(json.dumps({"parameters": sum(p.numel() for p in net.parameters() if p.requires_grad),
                  "forward": (out - mine_out).abs().max().item(), "forwardScale": out.abs().max().item(),
                  "vjp": (vjp - mine_vjp).abs().max().item(), "vjpScale": vjp.abs().max().item()}))
