"""Train the bundled instance model: a small YOLACT (see yolact_lite.py) from scratch on the synthetic city.

Example:
  /usr/bin/python3 training/train_yolact.py --data training/data/train --val training/data/val \
      --minutes 80 --out training/runs/yolact --export models/yolact-synth.onnx
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cityscapes_data import (IMAGENET_MEAN, IMAGENET_STD, THING_LABEL_IDS, THING_NAMES, augment_batch,  # noqa: E402
                             instances_of, load_frames, normalize)
from instance_ap import InstanceAp  # noqa: E402
from yolact_lite import YolactExport, YolactLite, YolactLoss, postprocess  # noqa: E402


def targets_from(ins_batch, w, h, min_pixels=25):
    out = []
    for ins in ins_batch:
        masks, boxes, classes, _, _ = instances_of(ins, min_pixels)
        b = torch.from_numpy(boxes)
        if len(b):
            b = b / torch.tensor([w, h, w, h], dtype=torch.float32)
        out.append({"boxes": b, "classes": torch.from_numpy(classes), "masks": torch.from_numpy(masks).float()})
    return out


@torch.no_grad()
def evaluate(model, frames, max_images=None, bs=16, score_min=0.0):
    """Mask AP / AP50 per thing class on a held-out set, computed as Cityscapes' evalInstanceLevelSemanticLabeling
    does (instance_ap.py; the same metric and rules as `segstream eval --tasks instance`) over the detections of
    `postprocess` with score >= score_min (default 0: all of them, as `segstream eval` scores the adapter's
    ranked detections; `postprocess` follows the adapter's rules, specs/01 §6-7).

    (Until 2026-11-22 this was a COCO-style 101-point proxy: monotone precision envelope, predictions under 100 px
    ignored, IoU >= th, void pixels not ignored. It read higher than Cityscapes AP on the same detections, e.g.
    person AP50 0.404 vs 0.355 for yolact-synth on its held-out set.)"""
    model.eval()
    h, w = frames.images.shape[1:3]
    acc = InstanceAp(THING_LABEL_IDS)
    label_of = np.array(THING_LABEL_IDS)
    n = len(frames.images) if max_images is None else min(max_images, len(frames.images))
    for i0 in range(0, n, bs):
        x = normalize(torch.from_numpy(frames.images[i0:min(n, i0 + bs)]))
        o = model(x)
        prob = torch.softmax(o["conf"], -1)
        for b in range(x.shape[0]):
            _, s, c, pm = postprocess(o["loc"][b], prob[b], o["mask"][b], o["proto"][b], model.priors, (h, w))
            s, c, pm = s.numpy(), c.numpy(), pm.numpy()
            keep = s >= score_min
            acc.add(frames.instances[i0 + b], pm[keep], label_of[c[keep]], s[keep])
    model.train()
    return acc.result(dict(zip(THING_LABEL_IDS, THING_NAMES)))


def export(model, path):
    import onnx
    w, h = model.size
    model.eval()
    x = torch.randn(1, 3, h, w)
    net = YolactExport(model).eval()
    torch.onnx.export(net, x, path, opset_version=13, input_names=["input"],
                      output_names=["loc", "conf", "mask", "proto", "priors"], do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    net.eval()
    with torch.no_grad():
        outs = net(x)
    print(f"exported {path}: {os.path.getsize(path) / 1e6:.2f} MB; "
          + ", ".join(f"{n} {tuple(o.shape)}" for n, o in zip(["loc", "conf", "mask", "proto", "priors"], outs)), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="train")
    ap.add_argument("--val", required=True)
    ap.add_argument("--val-split", default="val")
    ap.add_argument("--size", default="512x256")
    ap.add_argument("--width-mult", type=float, default=0.5)
    ap.add_argument("--fpn-ch", type=int, default=64)
    ap.add_argument("--protos", type=int, default=24)
    ap.add_argument("--proto-stride", type=int, default=4, choices=(2, 4),
                    help="prototype resolution: 4 = YOLACT's 1/4 of the input; 2 = 1/2, reading stride-2/4 backbone features")
    ap.add_argument("--init", default=None,
                    help="YOLACT checkpoint: every tensor whose name and shape match starts this run (fresh optimiser)")
    ap.add_argument("--max-masks", type=int, default=100, help="mask-loss detections per image (random subset above)")
    ap.add_argument("--batch", type=int, default=16,
                    help="16 or more: below 16 images, 1-thread PyTorch 1.13 runs 1x1 convs on the slow THNN path (3x slower)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--minutes", type=float, default=80.0)
    ap.add_argument("--warmup", type=int, default=50, help="linear LR warm-up steps")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=float, default=10.0)
    ap.add_argument("--eval-images", type=int, default=120)
    ap.add_argument("--out", required=True)
    ap.add_argument("--export", default=None)
    ap.add_argument("--resume", default=None)
    ap.add_argument("--init-backbone", default=None,
                    help="DeepLab checkpoint (train_deeplab.py, same width) whose MobileNetV3 features initialise the backbone")
    ap.add_argument("--no-final-eval", action="store_true", help="skip the in-script final evaluation (export_onnx.py --eval does it after BN re-estimation)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bn-momentum", type=float, default=0.1,
                    help="BatchNorm momentum while training (torchvision's MobileNetV3 uses 0.01, too slow for short runs)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    w, h = map(int, args.size.split("x"))
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    train = load_frames(args.data, args.split, (w, h))
    val = load_frames(args.val, args.val_split, (w, h))
    print(f"loaded {len(train.images)} train / {len(val.images)} val frames in {time.time() - t0:.0f}s", flush=True)

    C = len(THING_LABEL_IDS) + 1
    model = YolactLite(C, args.width_mult, args.fpn_ch, args.protos, (w, h), proto_stride=args.proto_stride)
    print(f"params {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M, priors {model.priors.shape[0]}, "
          f"feature sizes {model.feature_sizes}", flush=True)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = args.bn_momentum
    crit = YolactLoss(C, max_masks=args.max_masks)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step = 0
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
    if args.init:
        sd = torch.load(args.init, map_location="cpu")["model"]
        own = model.state_dict()
        ok = {k: v for k, v in sd.items() if k in own and own[k].shape == v.shape}
        model.load_state_dict(ok, strict=False)
        print(f"initialised {len(ok)}/{len(own)} tensors from {args.init}; new: "
              f"{sorted({k.rsplit('.', 2)[0] for k in own if k not in ok})}", flush=True)
    if args.init_backbone:
        sd = torch.load(args.init_backbone, map_location="cpu")["model"]
        feats = {k[len("features."):]: v for k, v in sd.items() if k.startswith("features.")}
        missing, unexpected = model.backbone.features.load_state_dict(feats, strict=True), None
        print(f"backbone initialised from {args.init_backbone} ({len(feats)} tensors)", flush=True)
    budget = args.minutes * 60
    start = time.time()
    last_eval = start
    n = len(train.images)
    hist = []
    ema = {}
    while True:
        el = time.time() - start
        prog = el / budget
        if prog >= 1:
            break
        warm = min(1.0, (step + 1) / args.warmup)
        lr = args.lr * warm * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * prog)))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = np.random.randint(0, n, args.batch)
        x, _, ins = augment_batch(train.images[idx], train.labels[idx], train.instances[idx], scale_range=(1.0, 1.25))
        tg = targets_from(ins.numpy(), w, h)
        out = model(x)
        losses = crit(out, tg, model.priors)
        loss = sum(losses.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        step += 1
        for k, v in losses.items():
            ema[k] = v.item() if k not in ema else 0.95 * ema[k] + 0.05 * v.item()
        if step % 20 == 0:
            print(f"step {step} t={el / 60:.1f}m lr={lr:.5f} " + " ".join(f"{k}={v:.3f}" for k, v in ema.items())
                  + f" ({el / step:.2f}s/step)", flush=True)
        if time.time() - last_eval > args.eval_every * 60:
            res = evaluate(model, val, args.eval_images)
            hist.append({"step": step, "min": round(el / 60, 1), "eval": res})
            print(f"EVAL step {step} {res}", flush=True)
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "args": vars(args)},
                       os.path.join(args.out, "last.pt"))
            last_eval = time.time()
    train_min = (time.time() - start) / 60
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "args": vars(args)},
               os.path.join(args.out, "last.pt"))
    res = {} if args.no_final_eval else evaluate(model, val)
    hist.append({"step": step, "min": round(train_min, 1), "eval": res})
    print(f"FINAL step {step} train {train_min:.1f} min {res}", flush=True)
    summary = {
        "steps": step, "train_minutes": round(train_min, 1), "val_mask_ap_proxy": res, "history": hist, "args": vars(args),
        "input": {"name": "input", "shape": [1, 3, h, w], "mean": IMAGENET_MEAN, "std": IMAGENET_STD, "channels": "RGB",
                  "range": "[0,1] then (x-mean)/std", "resize": "stretch (bilinear)"},
        "priors": {"feature_sizes": model.feature_sizes, "scales_px": model.scales, "aspect_ratios": model.aspect_ratios,
                   "normalisation": "w = s*sqrt(ar)/W, h = s/sqrt(ar)/H", "count": int(model.priors.shape[0])},
        "outputs": {"loc": [1, model.priors.shape[0], 4], "conf": [1, model.priors.shape[0], C],
                    "mask": [1, model.priors.shape[0], args.protos],
                    "proto": [1, h // args.proto_stride, w // args.proto_stride, args.protos],
                    "priors": [model.priors.shape[0], 4]},
        "conf_index_to_labelId": {"0": "background", **{str(i + 1): l for i, l in enumerate(THING_LABEL_IDS)}},
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if args.export:
        export(model, args.export)


if __name__ == "__main__":
    main()
