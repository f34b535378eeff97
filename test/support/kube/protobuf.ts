/**
 * Just enough Kubernetes protobuf to read what kubectl's typed clients send: kubectl posts a
 * SelfSubjectAccessReview (`kubectl auth can-i`) as `application/vnd.kubernetes.protobuf` and offers
 * to read JSON back, so only decoding is needed.
 *
 * Glossary: the envelope is the magic `k8s\0` followed by a runtime.Unknown message (1: typeMeta,
 * 2: raw, the object's own message); a field is (number << 3 | wire type), wire type 2 being
 * length-delimited (strings and nested messages). Field numbers come from k8s.io/api's generated.proto.
 */

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Length-delimited fields by number; varint and fixed-size fields are skipped (none is needed). */
type Fields = Map<number, Buffer[]>;

function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= buf.length) throw new Error('truncated protobuf varint');
      const byte = buf[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (at + length > buf.length) throw new Error('truncated protobuf field');
      const list = out.get(key >>> 3) ?? [];
      list.push(buf.subarray(at, at + length));
      out.set(key >>> 3, list);
      at += length;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

const text = (f: Fields, n: number): string => f.get(n)?.[0]?.toString('utf8') ?? '';
const message = (f: Fields, n: number): Fields | undefined => {
  const raw = f.get(n)?.[0];
  return raw === undefined ? undefined : fields(raw);
};

/** The object inside the envelope, with its apiVersion and kind. */
export function unwrap(body: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  if (!body.subarray(0, 4).equals(MAGIC)) throw new Error('not a Kubernetes protobuf body');
  const unknown = fields(body.subarray(4));
  const typeMeta = message(unknown, 1);
  return {
    apiVersion: typeMeta ? text(typeMeta, 1) : '',
    kind: typeMeta ? text(typeMeta, 2) : '',
    raw: unknown.get(2)?.[0] ?? Buffer.alloc(0),
  };
}

/** A SelfSubjectAccessReview's spec, as the JSON object the API would have received. */
export function selfSubjectAccessReviewSpec(raw: Buffer): Record<string, unknown> {
  const spec = message(fields(raw), 2);
  if (!spec) return {};
  const out: Record<string, unknown> = {};
  const ra = message(spec, 1);
  if (ra) {
    const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
    out.resourceAttributes = Object.fromEntries(
      names.map((name, i) => [name, text(ra, i + 1)]).filter(([, v]) => v !== ''),
    );
  }
  const nra = message(spec, 2);
  if (nra) out.nonResourceAttributes = { path: text(nra, 1), verb: text(nra, 2) };
  return out;
}
