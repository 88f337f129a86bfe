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
from yolact_lite import YolactExport, YolactLite, YolactLoss, postprocess  # noqa: E402

MIN_GT_PIXELS = 100  # GT instances smaller than this are "ignore" regions in the AP proxy (Cityscapes minRegionSize)


def targets_from(ins_batch, w, h, min_pixels=25):
    out = []
    for ins in ins_batch:
        masks, boxes, classes, _, _ = instances_of(ins, min_pixels)
        b = torch.from_numpy(boxes)
        if len(b):
            b = b / torch.tensor([w, h, w, h], dtype=torch.float32)
        out.append({"boxes": b, "classes": torch.from_numpy(classes), "masks": torch.from_numpy(masks).float()})
    return out


def ap_from(tp, scores, n_gt):
    if n_gt == 0:
        return float("nan")
    if len(scores) == 0:
        return 0.0
    o = np.argsort(-np.array(scores), kind="stable")
    tp = np.array(tp, dtype=np.float64)[o]
    ctp = np.cumsum(tp)
    cfp = np.cumsum(1 - tp)
    rec = ctp / n_gt
    prec = ctp / np.maximum(ctp + cfp, 1e-9)
    for i in range(len(prec) - 2, -1, -1):
        prec[i] = max(prec[i], prec[i + 1])
    rs = np.linspace(0, 1, 101)
    ap = 0.0
    for r in rs:
        j = np.searchsorted(rec, r, side="left")
        ap += prec[j] if j < len(prec) else 0.0
    return ap / 101


@torch.no_grad()
def evaluate(model, frames, max_images=None, bs=16, score_min=0.05):
    """Mask AP proxy (COCO-style 101-point, IoU .5:.05:.95) per thing class on a held-out set."""
    model.eval()
    h, w = frames.images.shape[1:3]
    thr = np.arange(0.5, 0.96, 0.05)
    recs = {c: {"scores": [], "tp": [[] for _ in thr], "n_gt": 0} for c in range(len(THING_NAMES))}
    n = len(frames.images) if max_images is None else min(max_images, len(frames.images))
    for i0 in range(0, n, bs):
        x = normalize(torch.from_numpy(frames.images[i0:min(n, i0 + bs)]))
        o = model(x)
        prob = torch.softmax(o["conf"], -1)
        for b in range(x.shape[0]):
            gm, _, gc, _, _ = instances_of(frames.instances[i0 + b], 1)
            area = gm.reshape(len(gm), -1).sum(1) if len(gm) else np.zeros(0)
            _, s, c, pm = postprocess(o["loc"][b], prob[b], o["mask"][b], o["proto"][b], model.priors, (h, w))
            pm = pm.numpy().reshape(len(pm), -1)
            gmf = gm.reshape(len(gm), -1)
            s, c = s.numpy(), c.numpy()
            for cls in range(len(THING_NAMES)):
                gsel = np.nonzero(gc == cls)[0]
                valid = gsel[area[gsel] >= MIN_GT_PIXELS]
                ignore = gsel[area[gsel] < MIN_GT_PIXELS]
                recs[cls]["n_gt"] += len(valid)
                dsel = np.nonzero((c == cls) & (s >= score_min))[0]
                dsel = dsel[np.argsort(-s[dsel])]
                if len(dsel) == 0:
                    continue
                pd = pm[dsel].astype(np.float32)
                gv = gmf[valid].astype(np.float32)
                inter = pd @ gv.T
                union = pd.sum(1)[:, None] + gv.sum(1)[None] - inter
                iou = inter / np.maximum(union, 1)
                gi = gmf[ignore].astype(np.float32)
                ign_frac = (pd @ gi.T).sum(1) / np.maximum(pd.sum(1), 1) if len(ignore) else np.zeros(len(dsel))
                for ti, t in enumerate(thr):
                    used = np.zeros(len(valid), bool)
                    for d in range(len(dsel)):
                        best, bj = t, -1
                        for j in range(len(valid)):
                            if not used[j] and iou[d, j] >= best:
                                best, bj = iou[d, j], j
                        if bj >= 0:
                            used[bj] = True
                            recs[cls]["tp"][ti].append(1)
                        elif ign_frac[d] > 0.5 or pd[d].sum() < MIN_GT_PIXELS:
                            recs[cls]["tp"][ti].append(-1)  # ignored
                        else:
                            recs[cls]["tp"][ti].append(0)
                recs[cls]["scores"].extend(s[dsel].tolist())
    model.train()
    res = {}
    for cls, r in recs.items():
        if r["n_gt"] == 0:
            continue
        aps = []
        for ti in range(len(thr)):
            tp = np.array(r["tp"][ti])
            sc = np.array(r["scores"])
            keep = tp >= 0
            aps.append(ap_from(tp[keep], sc[keep], r["n_gt"]))
        res[THING_NAMES[cls]] = {"AP50": round(aps[0], 4), "AP": round(float(np.mean(aps)), 4), "n_gt": r["n_gt"]}
    return res


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
    model = YolactLite(C, args.width_mult, args.fpn_ch, args.protos, (w, h))
    print(f"params {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M, priors {model.priors.shape[0]}, "
          f"feature sizes {model.feature_sizes}", flush=True)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = args.bn_momentum
    crit = YolactLoss(C)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step = 0
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
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
                    "proto": [1, model.feature_sizes[0][0] * 2, model.feature_sizes[0][1] * 2, args.protos],
                    "priors": [model.priors.shape[0], 4]},
        "conf_index_to_labelId": {"0": "background", **{str(i + 1): l for i, l in enumerate(THING_LABEL_IDS)}},
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if args.export:
        export(model, args.export)


if __name__ == "__main__":
    main()
