"""Averages the model weights of checkpoints of one architecture (a "model soup", Wortsman et al. 2022).

    /usr/bin/python3 training/average_checkpoints.py OUT.pt A.pt B.pt [C.pt ...]

Floating-point tensors are averaged; integer ones (BatchNorm's num_batches_tracked) are taken from the
first checkpoint. The BatchNorm running statistics of an average are not those of the averaged
network: export it with `export_onnx.py --recal`, which re-estimates them. The output keeps the
first checkpoint's `args` (its architecture) and has no optimiser state (use it with --init).
"""
import sys

import torch


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    out, paths = sys.argv[1], sys.argv[2:]
    cks = [torch.load(p, map_location="cpu") for p in paths]
    first = cks[0]["model"]
    for p, ck in zip(paths[1:], cks[1:]):
        if ck["model"].keys() != first.keys():
            raise SystemExit(f"{p}: its tensors differ from {paths[0]}'s (another architecture)")
    avg = {}
    for k, v in first.items():
        if v.is_floating_point():
            avg[k] = sum(ck["model"][k] for ck in cks) / len(cks)
        else:
            avg[k] = v.clone()
    torch.save({"model": avg, "step": max(ck.get("step", 0) for ck in cks), "args": cks[0].get("args", {}),
                "averaged_from": paths}, out)
    print(f"wrote {out}: the mean of {len(paths)} checkpoints")


if __name__ == "__main__":
    main()
