"""The graph `export_onnx.py deeplab` writes: the same function as an eval-mode DeepLabLite, arranged so that
ONNX Runtime's CPU kernels do less work.

Every concatenation feeding a 1x1 convolution becomes a sum of 1x1 convolutions over its parts (the conv's
weights split along the input channels, BatchNorm folded in), which drops the concatenated copies and the layout
reorders ORT wraps around them:
- ASPP: project(cat(b0..b4)) = sum_i W_i b_i. The image-pooling branch is a 1x1 map; its term is added by
  broadcasting instead of being upsampled to the stride-16 grid first.
- Decoder: fuse(cat(up(aspp), low)) = up(W_a aspp + b) + W_b low. A 1x1 conv commutes with bilinear resizing
  (each output is a convex combination of inputs, so the bias commutes too), so W_a runs on the stride-16 grid,
  16x fewer positions, and the resize moves 64 channels instead of 128.
- Refinement (stride 2): its depthwise 3x3 works per channel, so it splits over the two parts as well, and the 1x1
  after it becomes a sum.

The arithmetic differs from the plain model only by float rounding (checked at export: `max_abs_diff`).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from train_deeplab import DeepLabLite


def fold_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """(weight, bias) of conv followed by eval-mode bn, as one conv."""
    s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    w = conv.weight * s.view(-1, 1, 1, 1)
    b = bn.bias - bn.running_mean * s
    if conv.bias is not None:
        b = b + conv.bias * s
    return w.detach().clone(), b.detach().clone()


def _conv(w: torch.Tensor, b: torch.Tensor | None, groups: int = 1, padding: int = 0) -> nn.Conv2d:
    c = nn.Conv2d(w.shape[1] * groups, w.shape[0], w.shape[-1], padding=padding, groups=groups, bias=b is not None)
    c.weight.data = w.contiguous()
    if b is not None:
        c.bias.data = b.contiguous()
    return c


class DeepLabExportGraph(nn.Module):
    def __init__(self, m: DeepLabLite):
        super().__init__()
        if m.training:
            raise ValueError("DeepLabExportGraph: the model must be in eval mode (BatchNorm is folded)")
        self.m = m
        a = m.aspp
        # ASPP projection split over its five branches
        pw, pb = fold_bn(a.project[0], a.project[1])
        ch = a.convs[0][0].out_channels
        self.proj = nn.ModuleList(_conv(pw[:, i * ch:(i + 1) * ch], pb if i == 0 else None) for i in range(len(a.convs)))
        # decoder fuse: the ASPP half on the stride-16 grid, the low-level half at stride 4
        fw, fb = fold_bn(m.fuse[0], m.fuse[1])
        self.fuse_a = _conv(fw[:, :ch], fb)
        self.fuse_b = _conv(fw[:, ch:], None)
        if m.refine_ch > 0:
            half = m.ref_dec[0].out_channels
            dw, db = fold_bn(m.ref_fuse[0], m.ref_fuse[1])
            self.dw_a = _conv(dw[:half], db[:half], groups=half, padding=1)
            self.dw_b = _conv(dw[half:], db[half:], groups=dw.shape[0] - half, padding=1)
            rw, rb = fold_bn(m.ref_fuse[3], m.ref_fuse[4])
            self.mix_a = _conv(rw[:, :half], rb)
            self.mix_b = _conv(rw[:, half:], None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.m
        h, w = x.shape[-2:]
        x, low, s2 = m.backbone(x)
        branches = m.aspp.convs
        z = self.proj[0](branches[0](x))
        for i in range(1, len(branches) - 1):
            z = z + self.proj[i](branches[i](x))
        pooled = x
        for layer in branches[-1]:  # ASPPPooling's layers without its final resize: a 1x1 map, broadcast
            pooled = layer(pooled)
        z = F.relu(z + self.proj[-1](pooled))
        low = m.low_proj(low)
        y = F.interpolate(self.fuse_a(z), size=low.shape[-2:], mode="bilinear", align_corners=False)
        feat = m.fuse[3:](F.relu(y + self.fuse_b(low)))
        x = m.classifier(feat)
        if m.refine_ch > 0:
            size = s2.shape[-2:]
            d = F.interpolate(m.ref_dec(feat), size=size, mode="bilinear", align_corners=False)
            e = m.ref_s2(s2)
            f = F.relu(self.mix_a(F.relu(self.dw_a(d))) + self.mix_b(F.relu(self.dw_b(e))))
            x = m.refine(x, f, size)
        return m.output(x, (h, w))
