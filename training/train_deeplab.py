"""Train the bundled semantic model: DeepLabV3 (ASPP head) on a reduced-width MobileNetV3-Large, from scratch.

Architecture: torchvision MobileNetV3-Large features (width_mult, dilated=True → output stride 16),
torchvision ASPP (rates 6/12/18, image pooling) with `--aspp-ch` channels, and a light DeepLabV3+-style
decoder that fuses the stride-4 features (1x1 projection, 1x1 fuse, depthwise 3x3, 1x1 classifier),
then bilinear upsampling of the logits to the input size (align_corners=False).
Output: logits [N,19,H,W] over Cityscapes trainIds 0..18 (no softmax).
Options for a cheaper, finer model (stage 5): `--aspp-rank r` factorises each dilated 3x3 ASPP conv into a 3x3 conv
to r channels + a 1x1 (started from the truncated SVD of a dense checkpoint: `--init`), `--refine-ch c` adds a
stride-2 refinement head whose residual is added to the 2x-upsampled stride-4 logits (its last conv starts at 0).

Example:
  /usr/bin/python3 training/train_deeplab.py --data training/data/train --val training/data/val \
      --minutes 70 --out training/runs/deeplab
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf
from torchvision.models.segmentation.deeplabv3 import ASPP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cityscapes_data import (IMAGENET_MEAN, IMAGENET_STD, LABEL_TO_TRAIN, TRAIN_ID_TO_LABEL_ID, TRAIN_NAMES,  # noqa: E402
                             augment_batch, load_frames, normalize, repeat_factors, to_train_ids)


class DeepLabLite(nn.Module):
    def __init__(self, num_classes=19, width_mult=0.5, aspp_ch=128, dec_ch=64, low_ch=32, rates=(6, 12, 18),
                 refine_ch=0, aspp_rank=0, refine2_ch=0):
        super().__init__()
        ins, last = _mobilenet_v3_conf("mobilenet_v3_large", width_mult=width_mult, dilated=True)
        self.features = MobileNetV3(ins, last).features
        # stage ends: index of the last block before each stride-2 block
        strides, s = [], 1
        for i, b in enumerate(self.features):
            if getattr(b, "_is_cn", False):
                strides.append(i - 1)
        self.low_idx = strides[1]  # last block at stride 4
        low_c = self.features[self.low_idx].out_channels
        high_c = self.features[-1].out_channels
        self.aspp = ASPP(high_c, list(rates), aspp_ch)
        # Optional low-rank ASPP (--aspp-rank r > 0): each dilated 3x3 conv (high_c → aspp_ch, the bulk of the
        # model's MACs) becomes a dilated 3x3 conv high_c → r then a 1x1 r → aspp_ch; factorize_aspp() starts
        # them from the truncated SVD of a dense checkpoint's weights.
        self.aspp_rank = aspp_rank
        if aspp_rank > 0:
            for b in range(1, 1 + len(rates)):
                dense = self.aspp.convs[b][0]
                self.aspp.convs[b][0] = nn.Sequential(
                    nn.Conv2d(high_c, aspp_rank, 3, padding=dense.padding, dilation=dense.dilation, bias=False),
                    nn.Conv2d(aspp_rank, aspp_ch, 1, bias=False))
        self.low_proj = nn.Sequential(nn.Conv2d(low_c, low_ch, 1, bias=False), nn.BatchNorm2d(low_ch), nn.ReLU(inplace=True))
        self.fuse = nn.Sequential(
            nn.Conv2d(aspp_ch + low_ch, dec_ch, 1, bias=False), nn.BatchNorm2d(dec_ch), nn.ReLU(inplace=True),
            nn.Conv2d(dec_ch, dec_ch, 3, padding=1, groups=dec_ch, bias=False), nn.BatchNorm2d(dec_ch), nn.ReLU(inplace=True),
            nn.Conv2d(dec_ch, dec_ch, 1, bias=False), nn.BatchNorm2d(dec_ch), nn.ReLU(inplace=True),
        )
        self.classifier = nn.Conv2d(dec_ch, num_classes, 1)
        # Optional stride-2 refinement (--refine-ch > 0): the decoder's features (1x1 → refine_ch/2, x2 bilinear)
        # beside the backbone's stride-2 features (1x1 → refine_ch/2) → depthwise 3x3 → 1x1 → a residual added to
        # the x2-upsampled stride-4 logits. Its last conv starts at zero, so a model initialised from one without
        # it starts with exactly that model's output (thin classes — bicycle wheels, poles, fences — are 1-2 px
        # wide in the 512x256 renders, narrower than a stride-4 cell of the 2x-upscaled input).
        self.refine_ch = refine_ch
        if refine_ch > 0:
            self.s2_idx = strides[0]  # last block at stride 2
            s2_c = self.features[self.s2_idx].out_channels
            half = refine_ch // 2
            self.ref_dec = nn.Sequential(nn.Conv2d(dec_ch, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True))
            self.ref_s2 = nn.Sequential(nn.Conv2d(s2_c, refine_ch - half, 1, bias=False), nn.BatchNorm2d(refine_ch - half),
                                        nn.ReLU(inplace=True))
            self.ref_fuse = nn.Sequential(
                nn.Conv2d(refine_ch, refine_ch, 3, padding=1, groups=refine_ch, bias=False), nn.BatchNorm2d(refine_ch),
                nn.ReLU(inplace=True),
                nn.Conv2d(refine_ch, refine_ch, 1, bias=False), nn.BatchNorm2d(refine_ch), nn.ReLU(inplace=True),
            )
            self.ref_out = nn.Conv2d(refine_ch, num_classes, 1)
            nn.init.zeros_(self.ref_out.weight)
            nn.init.zeros_(self.ref_out.bias)
        # Optional second stride-2 stage (--refine2-ch > 0, needs --refine-ch): the first head's features → 1x1 →
        # depthwise 3x3 → 1x1 → depthwise 3x3 (dilation 2) → 1x1 → a residual added to the logits (last conv
        # zero-initialised: a model initialised without it starts with exactly that model's output). Deeper, with
        # a wider view, at the render's own resolution, where the thin classes are lost. 32 channels cost ≈ 12 % of
        # session.run (the export graph), 16 ≈ 6 %; a multiple of 16 keeps ORT's NCHWc layout (AVX-512 blocks).
        self.refine2_ch = refine2_ch
        if refine2_ch > 0:
            if refine_ch <= 0:
                raise ValueError(f"refine2_ch={refine2_ch} needs refine_ch > 0")
            c2 = refine2_ch
            self.ref2 = nn.Sequential(
                nn.Conv2d(refine_ch, c2, 1, bias=False), nn.BatchNorm2d(c2), nn.ReLU(inplace=True),
                nn.Conv2d(c2, c2, 3, padding=1, groups=c2, bias=False), nn.BatchNorm2d(c2), nn.ReLU(inplace=True),
                nn.Conv2d(c2, c2, 1, bias=False), nn.BatchNorm2d(c2), nn.ReLU(inplace=True),
                nn.Conv2d(c2, c2, 3, padding=2, dilation=2, groups=c2, bias=False), nn.BatchNorm2d(c2),
                nn.ReLU(inplace=True),
            )
            self.ref2_out = nn.Conv2d(c2, num_classes, 1)
            nn.init.zeros_(self.ref2_out.weight)
            nn.init.zeros_(self.ref2_out.bias)
        # False: return the logits at the decoder's stride 4 and leave the bilinear upsampling to
        # the consumer (segstream's deeplab adapter does it exactly, only at class boundaries).
        self.upsample_output = True

    def backbone(self, x):
        """(stride-16 features, stride-4 features, stride-2 features or None without the refinement head)."""
        low = s2 = None
        for i, m in enumerate(self.features):
            x = m(x)
            if i == self.low_idx:
                low = x
            if self.refine_ch > 0 and i == self.s2_idx:
                s2 = x
        return x, low, s2

    def forward(self, x):
        h, w = x.shape[-2:]
        x, low, s2 = self.backbone(x)
        x = self.aspp(x)
        low = self.low_proj(low)
        x = F.interpolate(x, size=low.shape[-2:], mode="bilinear", align_corners=False)
        feat = self.fuse(torch.cat([x, low], 1))
        x = self.classifier(feat)
        if self.refine_ch > 0:
            size = s2.shape[-2:]
            d = F.interpolate(self.ref_dec(feat), size=size, mode="bilinear", align_corners=False)
            f = self.ref_fuse(torch.cat([d, self.ref_s2(s2)], 1))
            x = self.refine(x, f, size)
        return self.output(x, (h, w))

    def refine(self, x, f, size):
        """The stride-4 logits x upsampled to the stride-2 grid `size` plus the refinement heads' residuals on
        the first head's features f."""
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False) + self.ref_out(f)
        if self.refine2_ch > 0:
            x = x + self.ref2_out(self.ref2(f))
        return x

    def output(self, x, input_size):
        return x if not self.upsample_output else F.interpolate(x, size=input_size, mode="bilinear", align_corners=False)


def factorize_aspp(state: dict, rank: int) -> dict:
    """A dense checkpoint's ASPP 3x3 convs as rank-`rank` pairs (truncated SVD of [out, in*9]), for aspp_rank."""
    out = dict(state)
    b = 1
    while f"aspp.convs.{b}.0.weight" in state and state[f"aspp.convs.{b}.0.weight"].shape[-1] == 3:
        w = out.pop(f"aspp.convs.{b}.0.weight")
        u, s, vt = torch.linalg.svd(w.reshape(w.shape[0], -1), full_matrices=False)
        r = s[:rank].sqrt()
        out[f"aspp.convs.{b}.0.0.weight"] = (r[:, None] * vt[:rank]).reshape(rank, *w.shape[1:]).contiguous()
        out[f"aspp.convs.{b}.0.1.weight"] = (u[:, :rank] * r[None, :]).reshape(w.shape[0], rank, 1, 1).contiguous()
        b += 1
    return out


def class_weights(labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(pixel counts, frequencies, CE weights) of the 19 train classes over every 4th frame of
    `labels` (N,H,W label ids). Weights: mild inverse frequency, freq^-0.5 normalised to mean 1
    over the classes present, at most 5, so thin classes (poles, signs) are not ignored. Per-frame
    bincounts (an int64 copy of every 4th frame was 3.8 GB at 1024x512)."""
    cnt_np = np.zeros(256, dtype=np.int64)
    for lab in labels[::4]:
        cnt_np += np.bincount(LABEL_TO_TRAIN[lab].ravel(), minlength=256)
    cnt = torch.from_numpy(cnt_np[:19]).float()
    freq = cnt / cnt.sum()
    cw = torch.where(cnt > 0, (freq.clamp(min=1e-4)) ** -0.5, torch.zeros_like(freq))
    cw = cw / cw[cnt > 0].mean()
    return cnt, freq, cw.clamp(max=5.0)


def lovasz_softmax(logits: torch.Tensor, labels: torch.Tensor, ignore=255) -> torch.Tensor:
    """Lovasz-softmax loss (Berman, Triki & Blaschko, CVPR 2018): a convex surrogate of 1 - IoU per
    class, averaged over the classes present in `labels`; the whole batch is one set of pixels.
    logits (N,C,H,W), labels (N,H,W) train ids."""
    c = logits.shape[1]
    probas = logits.softmax(1).permute(0, 2, 3, 1).reshape(-1, c)
    lab = labels.reshape(-1)
    keep = lab != ignore
    probas, lab = probas[keep], lab[keep]
    losses = []
    for k in range(c):
        fg = (lab == k).float()
        if fg.sum() == 0:
            continue
        errors = (fg - probas[:, k]).abs()
        errors_sorted, perm = torch.sort(errors, 0, descending=True)
        fg_sorted = fg[perm]
        gts = fg_sorted.sum()
        inter = gts - fg_sorted.cumsum(0)
        union = gts + (1 - fg_sorted).cumsum(0)
        jac = 1.0 - inter / union
        jac[1:] = jac[1:] - jac[:-1]
        losses.append(torch.dot(errors_sorted, jac))
    return torch.stack(losses).mean() if losses else logits.sum() * 0


def confusion(pred: torch.Tensor, gt: torch.Tensor, n=19) -> torch.Tensor:
    k = gt != 255
    return torch.bincount(gt[k] * n + pred[k], minlength=n * n).view(n, n)


@torch.no_grad()
def evaluate(model, frames, bs=16):
    model.eval()
    conf = torch.zeros(19, 19, dtype=torch.long)
    for i in range(0, len(frames.images), bs):
        x = normalize(torch.from_numpy(frames.images[i:i + bs]))
        gt = to_train_ids(torch.from_numpy(frames.labels[i:i + bs].astype(np.int64)))
        pred = model(x).argmax(1)
        conf += confusion(pred.flatten(), gt.flatten())
    model.train()
    tp = conf.diag().float()
    gt_n = conf.sum(1).float()
    pr_n = conf.sum(0).float()
    iou = tp / (gt_n + pr_n - tp).clamp(min=1)
    present = gt_n > 0
    miou = iou[present].mean().item()
    return miou, {TRAIN_NAMES[c]: round(iou[c].item(), 4) for c in range(19) if present[c]}, (tp.sum() / gt_n.sum()).item()


def export(model, path, size):
    w, h = size
    model.eval()
    x = torch.randn(1, 3, h, w)
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["out"],
                      do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    with torch.no_grad():
        y = model(x)
    print(f"exported {path}: {os.path.getsize(path) / 1e6:.2f} MB, out {tuple(y.shape)}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="root(s) of the training set (Cityscapes layout), comma-separated")
    ap.add_argument("--split", default="train")
    ap.add_argument("--val", required=True, help="root of the held-out set")
    ap.add_argument("--val-split", default="val")
    ap.add_argument("--size", default="512x256")
    ap.add_argument("--store-native", action="store_true",
                    help="keep training frames at their rendered size in memory and resize each batch to --size "
                         "(4x less memory for 512x256 renders trained at 1024x512)")
    ap.add_argument("--width-mult", type=float, default=0.5)
    ap.add_argument("--aspp-ch", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16,
                    help="16 or more: below 16 images, 1-thread PyTorch 1.13 runs 1x1 convs on the slow THNN path (3x slower)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--minutes", type=float, default=70.0, help="wall-clock budget; the LR schedule follows it")
    ap.add_argument("--lowres-frac", type=float, default=0.0, help="fraction of the budget trained at half resolution")
    ap.add_argument("--bn-momentum", type=float, default=0.1,
                    help="BatchNorm momentum while training (torchvision's MobileNetV3 uses 0.01, too slow for short runs)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=float, default=8.0, help="minutes between held-out evaluations")
    ap.add_argument("--out", required=True)
    ap.add_argument("--export", default=None, help="ONNX path to export the final model to")
    ap.add_argument("--resume", default=None)
    ap.add_argument("--init", default=None, help="checkpoint whose model weights start this run (fresh optimiser and schedule)")
    ap.add_argument("--repeat-thresh", type=float, default=0.0,
                    help="repeat-factor sampling threshold (LVIS): images with classes present in fewer than this "
                         "fraction of images are drawn more often; 0 = uniform")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--refine-ch", type=int, default=0,
                    help="channels of the stride-2 refinement head (0 = none; logits at stride 4)")
    ap.add_argument("--refine2-ch", type=int, default=0,
                    help="channels of a second stride-2 refinement stage after the first (0 = none; needs --refine-ch)")
    ap.add_argument("--aspp-rank", type=int, default=0,
                    help="low-rank ASPP: rank of each dilated 3x3 conv (0 = dense); --init from a dense checkpoint "
                         "starts it from the truncated SVD")
    ap.add_argument("--new-lr-mult", type=float, default=10.0,
                    help="LR multiplier for parameters --init's checkpoint does not have (a newly added head)")
    ap.add_argument("--lovasz", type=float, default=0.0,
                    help="weight of a Lovasz-softmax term (an mIoU surrogate) added to the CE, computed on every "
                         "4th pixel row and column (the decoder's stride) to keep its per-class sorts cheap")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    w, h = map(int, args.size.split("x"))
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    train = load_frames(args.data, args.split, None if args.store_native else (w, h), instances=False)
    val = load_frames(args.val, args.val_split, (w, h), instances=False)
    print(f"loaded {len(train.images)} train / {len(val.images)} val frames in {time.time() - t0:.0f}s", flush=True)

    cnt, freq, cw = class_weights(train.labels)
    print("class pixel freq:", {TRAIN_NAMES[i]: round(freq[i].item(), 4) for i in range(19) if cnt[i] > 0}, flush=True)
    print("class weights:", {TRAIN_NAMES[i]: round(cw[i].item(), 2) for i in range(19) if cnt[i] > 0}, flush=True)

    model = DeepLabLite(19, args.width_mult, args.aspp_ch, refine_ch=args.refine_ch, aspp_rank=args.aspp_rank,
                        refine2_ch=args.refine2_ch)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = args.bn_momentum
    print(f"params {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M", flush=True)
    step = 0
    new_keys = set()
    if args.init:
        init = torch.load(args.init)["model"]
        if args.aspp_rank > 0 and "aspp.convs.1.0.weight" in init:
            init = factorize_aspp(init, args.aspp_rank)
            print(f"ASPP 3x3 convs factorised to rank {args.aspp_rank} (truncated SVD)", flush=True)
        missing, unexpected = model.load_state_dict(init, strict=False)
        if unexpected:
            raise SystemExit(f"--init {args.init}: keys this model does not have: {unexpected[:5]}")
        new_keys = set(missing)
        print(f"weights from {args.init}" + (f"; {len(missing)} new tensors (LR x{args.new_lr_mult})" if missing else ""),
              flush=True)
    if args.resume:  # the optimiser's groups as the checkpoint's run had them
        ck0 = torch.load(args.resume, map_location="cpu")
        new_keys = set(ck0.get("new_keys", [k for k, _ in model.named_parameters() if k.startswith("ref_")]
                               if len(ck0["opt"]["param_groups"]) == 2 else []))
        del ck0
    named = list(model.named_parameters())
    groups = [{"params": [p for k, p in named if k not in new_keys], "mult": 1.0},
              {"params": [p for k, p in named if k in new_keys], "mult": args.new_lr_mult}]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=args.lr, weight_decay=1e-4)
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
        print(f"resumed {args.resume} at step {step}", flush=True)
    crit = nn.CrossEntropyLoss(weight=cw, ignore_index=255)
    budget = args.minutes * 60
    start = time.time()
    last_eval = start
    n = len(train.images)
    rf = repeat_factors(train.labels, args.repeat_thresh)
    draw_p = rf / rf.sum()
    print(f"repeat factors: mean {rf.mean():.2f}, max {rf.max():.2f}, {int((rf > 1).sum())}/{n} images above 1", flush=True)
    best = -1.0
    hist = []
    ema = None
    while True:
        el = time.time() - start
        prog = el / budget
        if prog >= 1:
            break
        warm = min(1.0, step / 100)
        lr = args.lr * warm * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * prog)))
        for g in opt.param_groups:
            g["lr"] = lr * g.get("mult", 1.0)
        low = prog < args.lowres_frac
        idx = np.random.choice(n, args.batch * (2 if low else 1), p=draw_p)
        x, lab, _ = augment_batch(train.images[idx], train.labels[idx], None, scale_range=(1.0, 1.3),
                                  out_size=(w, h))
        y = to_train_ids(lab)
        if low:  # early phase at half resolution (cheap; acts as scale augmentation)
            x = F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False)
            y = y[:, ::2, ::2].contiguous()
        out = model(x)
        loss = crit(out, y)
        if args.lovasz > 0:
            loss = loss + args.lovasz * lovasz_softmax(out[:, :, 2::4, 2::4], y[:, 2::4, 2::4])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        if step % 20 == 0:
            print(f"step {step} t={el / 60:.1f}m lr={lr:.5f} loss={ema:.4f} ({el / step:.2f}s/step)", flush=True)
        if time.time() - last_eval > args.eval_every * 60:
            miou, per, acc = evaluate(model, val)
            hist.append({"step": step, "min": round(el / 60, 1), "mIoU": round(miou, 4), "pixAcc": round(acc, 4)})
            print(f"EVAL step {step} mIoU={miou:.4f} pixAcc={acc:.4f} {per}", flush=True)
            ck = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "args": vars(args),
                  "new_keys": sorted(new_keys)}
            torch.save(ck, os.path.join(args.out, "last.pt"))
            torch.save(ck, os.path.join(args.out, f"step{step}.pt"))  # a fixed name for --init-backbone
            last_eval = time.time()
    train_min = (time.time() - start) / 60
    miou, per, acc = evaluate(model, val)
    hist.append({"step": step, "min": round(train_min, 1), "mIoU": round(miou, 4), "pixAcc": round(acc, 4)})
    print(f"FINAL step {step} train {train_min:.1f} min mIoU={miou:.4f} pixAcc={acc:.4f} {per}", flush=True)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "args": vars(args),
                "new_keys": sorted(new_keys)},
               os.path.join(args.out, "last.pt"))
    summary = {"steps": step, "train_minutes": round(train_min, 1), "val_mIoU": round(miou, 4), "val_pixAcc": round(acc, 4),
               "val_per_class_iou": per, "history": hist, "args": vars(args),
               "input": {"name": "input", "shape": [1, 3, h, w], "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
                         "channels": "RGB", "range": "[0,1] then (x-mean)/std", "resize": "stretch (bilinear)"},
               "output": {"name": "out", "shape": [1, 19, h, w], "kind": "logits (no softmax)",
                          "labels_trainId_to_labelId": TRAIN_ID_TO_LABEL_ID, "names": TRAIN_NAMES}}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if args.export:
        export(model, args.export, (w, h))


if __name__ == "__main__":
    main()
