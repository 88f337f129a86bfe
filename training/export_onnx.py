"""Export a trained checkpoint to ONNX (opset 13, static 1x3xHxW), check it, write the manifest and a
reference input/output pair for the ONNX Runtime check (training/verify_ort.mjs).

  /usr/bin/python3 training/export_onnx.py deeplab training/runs/deeplab/last.pt models/deeplab-synth.onnx
  /usr/bin/python3 training/export_onnx.py yolact  training/runs/yolact/last.pt  models/yolact-synth.onnx

Options: --summary runs/x/summary.json (metrics, seeds for provenance), --ref DIR (reference tensors).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cityscapes_data import IMAGENET_MEAN, IMAGENET_STD, THING_LABEL_IDS, THING_NAMES, TRAIN_ID_TO_LABEL_ID, TRAIN_NAMES  # noqa: E402

COLORS = {7: (128, 64, 128), 8: (244, 35, 232), 11: (70, 70, 70), 12: (102, 102, 156), 13: (190, 153, 153),
          17: (153, 153, 153), 19: (250, 170, 30), 20: (220, 220, 0), 21: (107, 142, 35), 22: (152, 251, 152),
          23: (70, 130, 180), 24: (220, 20, 60), 25: (255, 0, 0), 26: (0, 0, 142), 27: (0, 0, 70), 28: (0, 60, 100),
          31: (0, 80, 100), 32: (0, 0, 230), 33: (119, 11, 32)}

DATA_SEEDS = {"train": {"seed": 1, "sequences": 200, "frames": 10, "city": "synth", "split": "train"},
              "heldout": {"seed": 9001, "sequences": 20, "frames": 10, "city": "heldout", "split": "val"}}


def git_commit() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=os.path.dirname(__file__)).decode().strip()
    except Exception:
        return "unknown"


@torch.no_grad()
def recalibrate_bn(model, root, split, size, n_images, bs=16):
    """Re-estimate BatchNorm running statistics (cumulative average over n_images training frames, eval-time
    preprocessing, no augmentation). torchvision's MobileNetV3 uses BN momentum 0.01, so after a short from-scratch
    run the running statistics lag the weights; this makes eval-mode outputs match train-mode quality."""
    from cityscapes_data import load_frames, normalize
    fr = load_frames(root, split, size)
    idx = np.random.default_rng(0).permutation(len(fr.images))[:n_images]
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    for i in range(0, len(idx), bs):
        model(normalize(torch.from_numpy(fr.images[np.sort(idx[i:i + bs])])))
    for m in bns:
        m.momentum = 0.01
    model.eval()
    print(f"recalibrated {len(bns)} BatchNorm layers on {len(idx)} frames of {root}", flush=True)


def input_spec(w, h):
    return {"name": "input", "width": w, "height": h, "layout": "NCHW", "channelOrder": "rgb",
            "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD), "scale": 1 / 255, "resize": "stretch", "padValue": 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["deeplab", "yolact"])
    ap.add_argument("ckpt")
    ap.add_argument("onnx")
    ap.add_argument("--summary", default=None)
    ap.add_argument("--ref", default=None, help="directory for reference input/outputs (.bin float32) for verify_ort.mjs")
    ap.add_argument("--recal", default=None, help="training-set root: re-estimate BatchNorm statistics on it before export")
    ap.add_argument("--recal-split", default="train")
    ap.add_argument("--recal-images", type=int, default=400)
    ap.add_argument("--eval", default=None, help="held-out root: evaluate (Python proxy) after recalibration")
    ap.add_argument("--eval-split", default="val")
    ap.add_argument("--native-logits", action="store_true",
                    help="deeplab: export the logits at the decoder's stride 4 (no in-graph resize); the manifest "
                         "sets deeplab.upsample = logits, so segstream upsamples them exactly (bilinear)")
    ap.add_argument("--logit-adjust", type=float, default=0.0,
                    help="deeplab: subtract TAU * log(class weight) from the classifier bias (post-hoc logit adjustment "
                         "for the class-weighted CE: the weights push thin classes' logits up by ~log w)")
    ap.add_argument("--class-offsets", default=None,
                    help="deeplab: JSON from calibrate_bias.mjs ({offsets: [19 numbers]}); added to the classifier bias "
                         "after --logit-adjust (per-class offsets chosen on a tuning set)")
    ap.add_argument("--mask-threshold", type=float, default=0.5,
                    help="yolact: the manifest's mask threshold (on the upsampled sigmoid); the bundled model's 0.35 "
                         "was chosen on the tuning seed 9100 (see training/README.md)")
    ap.add_argument("--weights-data", default="training/data/train,training/data/train2",
                    help="training roots the class weights are recomputed from (train_deeplab.class_weights)")
    ap.add_argument("--size", default=None, help="network input WxH to export at (default: the training size); "
                    "the weights are resolution-agnostic, YOLACT's priors are regenerated for it")
    ap.add_argument("--source", default=None, help="provenance source text (default: describes a from-scratch run "
                                                    "on the train seed)")
    ap.add_argument("--command", default=None, help="training command recorded in the manifest provenance")
    args = ap.parse_args()
    torch.set_num_threads(1)
    import onnx

    ck = torch.load(args.ckpt, map_location="cpu")
    targs = ck["args"]
    w, h = map(int, (args.size or targs["size"]).split("x"))
    summ = json.load(open(args.summary)) if args.summary else {}
    name = os.path.splitext(os.path.basename(args.onnx))[0]
    metrics = {}
    if args.kind == "deeplab":
        from train_deeplab import DeepLabLite
        model = DeepLabLite(19, targs["width_mult"], targs["aspp_ch"], refine_ch=targs.get("refine_ch", 0),
                            aspp_rank=targs.get("aspp_rank", 0), refine2_ch=targs.get("refine2_ch", 0))
        model.load_state_dict(ck["model"])
        model.eval()
        net = model
        out_names = ["out"]
        if "val_mIoU" in summ:
            metrics = {"python_val_mIoU": summ["val_mIoU"], "python_val_pixAcc": summ["val_pixAcc"]}
        manifest = {
            "name": name, "task": "semantic", "adapter": "deeplab", "input": input_spec(w, h),
            "outputs": {"logits": "out"},
            "labels": [{"index": i, "labelId": l, "name": TRAIN_NAMES[i], "color": list(COLORS[l])}
                       for i, l in enumerate(TRAIN_ID_TO_LABEL_ID)],
        }
    else:
        from yolact_lite import YolactExport, YolactLite
        C = len(THING_LABEL_IDS) + 1
        model = YolactLite(C, targs["width_mult"], targs["fpn_ch"], targs["protos"], (w, h),
                           proto_stride=targs.get("proto_stride", 4))
        model.load_state_dict(ck["model"])
        model.eval()
        net = YolactExport(model)
        out_names = ["loc", "conf", "mask", "proto", "priors"]
        for cls, r in summ.get("val_mask_ap_proxy", {}).items():
            metrics[f"python_{cls}_mask_AP50"] = r["AP50"]
            metrics[f"python_{cls}_mask_AP"] = r["AP"]
        manifest = {
            "name": name, "task": "instance", "adapter": "yolact", "input": input_spec(w, h),
            "outputs": {"loc": "loc", "conf": "conf", "mask": "mask", "proto": "proto", "priors": "priors"},
            # index = 0-based foreground class (conf column index - 1; column 0 is background)
            "labels": [{"index": i, "labelId": l, "name": THING_NAMES[i], "color": list(COLORS[l])}
                       for i, l in enumerate(THING_LABEL_IDS)],
            "thresholds": {"score": 0.3, "nmsIou": 0.5, "topK": 200, "maxDetections": 100,
                           "mask": args.mask_threshold},
            "yolact": {"confActivation": "softmax", "protoLayout": "nhwc", "confThreshold": 0.05},
        }
    if args.recal:
        recalibrate_bn(model, args.recal, args.recal_split, (w, h), args.recal_images)
    if args.kind == "deeplab" and args.logit_adjust != 0:
        from cityscapes_data import load_frames
        from train_deeplab import class_weights
        labels = load_frames(args.weights_data, "train", None, instances=False).labels
        _, _, cw = class_weights(labels)
        del labels
        # classes absent from training have weight 0: left as they are
        shift = torch.where(cw > 0, args.logit_adjust * torch.log(cw.clamp(min=1e-6)), torch.zeros_like(cw))
        with torch.no_grad():
            model.classifier.bias -= shift
        print("logit adjustment (subtracted from the classifier bias):",
              {TRAIN_NAMES[i]: round(shift[i].item(), 3) for i in range(19)}, flush=True)
    if args.kind == "deeplab" and args.class_offsets:
        off = torch.tensor(json.load(open(args.class_offsets))["offsets"], dtype=torch.float32)
        if off.shape != model.classifier.bias.shape:
            raise SystemExit(f"{args.class_offsets}: {tuple(off.shape)} offsets, the classifier has "
                             f"{tuple(model.classifier.bias.shape)} classes")
        with torch.no_grad():
            model.classifier.bias += off
        print("class offsets (added to the classifier bias):",
              {TRAIN_NAMES[i]: round(off[i].item(), 3) for i in range(19)}, flush=True)
    if args.eval:
        from cityscapes_data import load_frames
        val = load_frames(args.eval, args.eval_split, (w, h))
        if args.kind == "deeplab":
            from train_deeplab import evaluate
            miou, per, acc = evaluate(model, val)
            print(f"held-out mIoU {miou:.4f} pixAcc {acc:.4f} {per}", flush=True)
            metrics = {"python_val_mIoU": round(miou, 4), "python_val_pixAcc": round(acc, 4)}
            summ["eval_after_export"] = {"mIoU": miou, "pixAcc": acc, "per_class_iou": per}
        else:
            from train_yolact import evaluate
            res = evaluate(model, val)
            print(f"held-out mask AP proxy {res}", flush=True)
            metrics = {}
            for cls, r in res.items():
                metrics[f"python_{cls}_mask_AP50"] = r["AP50"]
                metrics[f"python_{cls}_mask_AP"] = r["AP"]
            summ["eval_after_export"] = res
        if args.summary:
            json.dump(summ, open(os.path.splitext(args.summary)[0] + ".export.json", "w"), indent=1)
        model.eval()
    net.eval()  # the wrapper too: export restores the wrapper's mode recursively afterwards
    if args.kind == "deeplab" and args.native_logits:
        model.upsample_output = False
        manifest["deeplab"] = {"upsample": "logits"}
    x = torch.randn(1, 3, h, w)
    graph = net
    if args.kind == "deeplab":
        # the same function, arranged for ORT's CPU kernels (training/deeplab_export_graph.py)
        from deeplab_export_graph import DeepLabExportGraph
        graph = DeepLabExportGraph(model).eval()
        with torch.no_grad():
            ref, got = model(x), graph(x)
        diff = (ref - got).abs().max().item()
        print(f"export graph: max_abs_diff {diff:.2e} against the plain model (logits up to {ref.abs().max().item():.1f})",
              flush=True)
        if diff > 1e-3:
            raise SystemExit(f"export graph differs from the model by {diff:.3e} (> 1e-3): a rewrite in "
                             "deeplab_export_graph.py does not match DeepLabLite.forward")
    torch.onnx.export(graph, x, args.onnx, opset_version=13, input_names=["input"], output_names=out_names,
                      do_constant_folding=True)
    m = onnx.load(args.onnx)
    onnx.checker.check_model(m)
    net.eval()
    with torch.no_grad():
        outs = net(x)
    if isinstance(outs, torch.Tensor):
        outs = (outs,)
    shapes = {n: list(o.shape) for n, o in zip(out_names, outs)}
    size_mb = os.path.getsize(args.onnx) / 1e6
    print(f"exported {args.onnx}: {size_mb:.2f} MB, outputs {shapes}")
    if args.ref:
        os.makedirs(args.ref, exist_ok=True)
        x.numpy().astype(np.float32).tofile(os.path.join(args.ref, "input.bin"))
        meta = {"input": [1, 3, h, w], "outputs": shapes}
        for n, o in zip(out_names, outs):
            o.numpy().astype(np.float32).tofile(os.path.join(args.ref, f"{n}.bin"))
        json.dump(meta, open(os.path.join(args.ref, "meta.json"), "w"))
    manifest["provenance"] = {
        "source": args.source or f"segstream training/{'train_deeplab' if args.kind == 'deeplab' else 'train_yolact'}.py, trained from "
                  f"scratch on the synthetic city (train seed {DATA_SEEDS['train']['seed']}, "
                  f"{DATA_SEEDS['train']['sequences']}x{DATA_SEEDS['train']['frames']} frames; held-out seed "
                  f"{DATA_SEEDS['heldout']['seed']}); {summ.get('steps', '?')} steps, {summ.get('train_minutes', '?')} min CPU",
        "command": args.command or f"see training/README.md ({args.kind})",
        "commit": git_commit(),
        "seeds": [DATA_SEEDS["train"]["seed"], DATA_SEEDS["heldout"]["seed"]],
        "metrics": metrics,
    }
    mpath = os.path.splitext(args.onnx)[0] + ".json"
    with open(mpath, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {mpath}")


if __name__ == "__main__":
    main()
