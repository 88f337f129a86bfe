/**
 * A minimal ONNX model (y = x + x, float32[4], opset 13), encoded by hand as protobuf so the
 * provider probe needs no file. Used to prove a GPU execution provider really runs a node
 * (session.disable_cpu_ep_fallback = 1) instead of ORT silently placing it on the CPU.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const enc = new TextEncoder();
const vint = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];
const bytes = (field: number, b: readonly number[] | Uint8Array): number[] => [
  ...varint((field << 3) | 2),
  ...varint(b.length),
  ...b,
];
const str = (field: number, s: string): number[] => bytes(field, enc.encode(s));

function valueInfo(name: string, n: number): number[] {
  const dim = vint(1, n); // Dimension.dim_value
  const shape = bytes(1, dim); // TensorShapeProto.dim
  const tensor = [...vint(1, 1), ...bytes(2, shape)]; // elem_type FLOAT, shape
  const type = bytes(1, tensor); // TypeProto.tensor_type
  return [...str(1, name), ...bytes(2, type)];
}

export const PROBE_INPUT = "x";
export const PROBE_OUTPUT = "y";

export function probeModelBytes(): Uint8Array {
  const node = [
    ...str(1, PROBE_INPUT),
    ...str(1, PROBE_INPUT),
    ...str(2, PROBE_OUTPUT),
    ...str(3, "add"),
    ...str(4, "Add"),
  ];
  const graph = [
    ...bytes(1, node),
    ...str(2, "segstream-ep-probe"),
    ...bytes(11, valueInfo(PROBE_INPUT, 4)),
    ...bytes(12, valueInfo(PROBE_OUTPUT, 4)),
  ];
  const opset = [...str(1, ""), ...vint(2, 13)];
  const model = [...vint(1, 7), ...str(2, "segstream"), ...bytes(7, graph), ...bytes(8, opset)];
  return Uint8Array.from(model);
}
