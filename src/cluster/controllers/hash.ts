/**
 * pod-template-hash, as pkg/controller/controller_utils.go ComputeHash computes it: FNV-32a over the
 * pod template (then, if set, collisionCount as 4 little-endian bytes), the uint32 printed in
 * decimal and each character mapped through apimachinery's rand.SafeEncodeString.
 *
 * Upstream hashes the template with hashutil.DeepHashObject (a go-spew dump of the Go struct); we
 * hash a sorted-key JSON rendering instead, so our hashes have the same shape (≤10 chars from
 * "bcdfghjklmnpqrstvwxz2456789", in practice only the ten the digits map to) and the same stability
 * properties, but are not byte-identical to the ones a real cluster would print for the same spec.
 */
import { canonicalJson } from "./util.js";

/** k8s.io/apimachinery/pkg/util/rand alphanums. */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each byte b → alphanums[b % 27]. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

const enc = new TextEncoder();

export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(enc.encode(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

export const POD_TEMPLATE_HASH = "pod-template-hash";

/** EqualIgnoreHash: templates equal once the pod-template-hash label is removed from both. */
export function equalIgnoreHash(a: any, b: any): boolean {
  const strip = (t: any) => {
    if (!t?.metadata?.labels) return t;
    const { [POD_TEMPLATE_HASH]: _drop, ...labels } = t.metadata.labels;
    const metadata = { ...t.metadata, labels };
    // Semantic.DeepEqual: an empty map equals a missing one.
    if (Object.keys(labels).length === 0) delete (metadata as { labels?: unknown }).labels;
    return { ...t, metadata };
  };
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}
