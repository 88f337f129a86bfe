/**
 * A minimal ONNX writer for benchmark graphs: builds a ModelProto (opset 13) from nodes and
 * float32/int64 initializers and serialises it as protobuf, so a bench can generate a model of
 * realistic size at run time instead of committing megabytes of random weights. Only the fields
 * onnx.proto needs for that are written (field numbers from onnx/onnx.proto3):
 *   ModelProto    1 ir_version · 2 producer_name · 7 graph · 8 opset_import
 *   GraphProto    1 node · 2 name · 5 initializer · 11 input · 12 output
 *   NodeProto     1 input · 2 output · 3 name · 4 op_type · 5 attribute
 *   AttributeProto 1 name · 2 f · 3 i · 4 s · 7 floats · 8 ints · 20 type
 *   TensorProto   1 dims · 2 data_type · 8 name · 9 raw_data
 *   ValueInfoProto 1 name · 2 type → TypeProto 1 tensor_type → 1 elem_type · 2 shape → 1 dim → 1 dim_value
 * Negative int64 values are not supported (none of the graphs needs one).
 *
 * `extendOnnx` adds nodes, initializers and outputs to an existing model without parsing it: a
 * protobuf parser merges a repeated occurrence of a singular message field (ModelProto.graph)
 * into the first, and concatenates repeated fields (node, initializer, output).
 */

type Attr = number | string | readonly number[];
export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Record<string, Attr>;
  /** Attributes that hold floats (all others are ints). */
  floatAttrs?: readonly string[];
}
export interface OnnxInit {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

class Proto {
  private readonly chunks: Uint8Array[] = [];
  private len = 0;
  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.len += b.length;
  }
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`onnx-writer: varint ${v} is not a safe integer ≥ 0`);
    const out: number[] = [];
    let x = v;
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    out.push(x);
    this.push(Uint8Array.from(out));
    return this;
  }
  tag(field: number, wire: 0 | 2 | 5): this {
    return this.varint(field * 8 + wire);
  }
  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    this.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Proto): this {
    return this.bytes(field, m.finish());
  }
  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5);
    this.push(b);
    return this;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

const packedVarints = (xs: readonly number[]): Uint8Array => {
  const p = new Proto();
  for (const x of xs) p.varint(x);
  return p.finish();
};

function attribute(name: string, v: Attr, isFloat: boolean): Proto {
  const a = new Proto().str(1, name);
  if (typeof v === "string") a.str(4, v).int(20, 3);
  else if (typeof v === "number") {
    if (isFloat) a.float(2, v).int(20, 1);
    else a.int(3, v).int(20, 2);
  } else if (isFloat) {
    const b = new Uint8Array(4 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setFloat32(4 * i, x, true));
    a.bytes(7, b).int(20, 6);
  } else a.bytes(8, packedVarints(v)).int(20, 7);
  return a;
}

function valueInfo(name: string, dims: readonly number[]): Proto {
  const shape = new Proto();
  for (const d of dims) shape.msg(1, new Proto().int(1, d));
  const tensorType = new Proto().int(1, 1).msg(2, shape);
  return new Proto().str(1, name).msg(2, new Proto().msg(1, tensorType));
}

interface ValueDims {
  name: string;
  dims: readonly number[];
}
interface GraphParts {
  name?: string;
  nodes: readonly OnnxNode[];
  inits: readonly OnnxInit[];
  inputs: readonly ValueDims[];
  outputs: readonly ValueDims[];
}

function graphProto(g: GraphParts, nodePrefix: string): Proto {
  const graph = new Proto();
  g.nodes.forEach((n, k) => {
    const node = new Proto();
    for (const i of n.inputs) node.str(1, i);
    for (const o of n.outputs) node.str(2, o);
    node.str(3, `${nodePrefix}${n.op}_${k}`).str(4, n.op);
    for (const [name, v] of Object.entries(n.attrs ?? {}))
      node.msg(5, attribute(name, v, n.floatAttrs?.includes(name) ?? false));
    graph.msg(1, node);
  });
  if (g.name !== undefined) graph.str(2, g.name);
  for (const t of g.inits) {
    const tp = new Proto().bytes(1, packedVarints(t.dims));
    tp.int(2, t.data instanceof Float32Array ? 1 : 7).str(8, t.name);
    tp.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    graph.msg(5, tp);
  }
  for (const i of g.inputs) graph.msg(11, valueInfo(i.name, i.dims));
  for (const o of g.outputs) graph.msg(12, valueInfo(o.name, o.dims));
  return graph;
}

/** Serialises a float32-in / float32-out graph as an ONNX model (IR 8, opset 13). */
export function writeOnnx(g: GraphParts & { name: string }): Uint8Array {
  return new Proto()
    .int(1, 8)
    .str(2, "segstream-bench")
    .msg(7, graphProto(g, ""))
    .msg(8, new Proto().str(1, "").int(2, 13))
    .finish();
}

/** `model` with more nodes, initializers and graph outputs (see the file comment). */
export function extendOnnx(
  model: Uint8Array,
  add: { nodes: readonly OnnxNode[]; inits: readonly OnnxInit[]; outputs: readonly ValueDims[] },
): Uint8Array {
  const tail = new Proto().msg(7, graphProto({ ...add, inputs: [] }, "bench_ext_")).finish();
  const out = new Uint8Array(model.length + tail.length);
  out.set(model, 0);
  out.set(tail, model.length);
  return out;
}
