/**
 * The VPA's LimitRange calculator (pkg/utils/limitrange/limit_range_calculator.go, VPA 1.3): all
 * LimitRange items of one type (Container or Pod) in a namespace folded into one: the lowest max and
 * the highest min per resource (cpu and memory), and the `default` of the last item that has one.
 * Items with neither max, min nor default are skipped. The objects are read from the store as the
 * apiserver keeps them, i.e. after SetDefaults_LimitRangeItem (a Container max is also its default).
 */
import type { KubeObject } from "../../api/meta.js";
import type { Store } from "../../api/store.js";
import { parseQuantity } from "../../core/quantity.js";
import type { ResourceList } from "./api.js";

export interface LimitRangeItem {
  max?: ResourceList;
  min?: ResourceList;
  default?: ResourceList;
}

export type LimitRangeType = "Container" | "Pod";

/** An empty map decodes as nil on the VPA's side (omitempty on the wire). */
function present(l: ResourceList | undefined): ResourceList | undefined {
  return l && Object.keys(l).length > 0 ? l : undefined;
}

function fold(result: ResourceList | undefined, item: ResourceList, pick: (a: string | number, b: string | number) => string | number): ResourceList {
  if (!result) return { ...item };
  for (const r of ["cpu", "memory"]) {
    const v = item[r];
    if (v === undefined) continue;
    const cur = result[r];
    result[r] = cur === undefined ? v : pick(cur, v);
  }
  return result;
}

const lowerMax = (a: string | number, b: string | number): string | number => (parseQuantity(a).cmp(parseQuantity(b)) < 0 ? a : b);
const higherMin = (a: string | number, b: string | number): string | number => (parseQuantity(a).cmp(parseQuantity(b)) > 0 ? a : b);

/** getLimitRangeItem over the given LimitRange objects; undefined when none applies. */
export function mergeLimitRangeItems(ranges: readonly KubeObject[], type: LimitRangeType): LimitRangeItem | undefined {
  const out: LimitRangeItem = {};
  for (const lr of ranges) {
    for (const item of (lr.spec?.limits ?? []) as Array<{ type?: string; max?: ResourceList; min?: ResourceList; default?: ResourceList }>) {
      if (item.type !== type) continue;
      const max = present(item.max);
      const min = present(item.min);
      const def = present(item.default);
      if (!max && !min && !def) continue;
      if (def) out.default = def;
      if (max) out.max = fold(out.max, max, lowerMax);
      if (min) out.min = fold(out.min, min, higherMin);
    }
  }
  return out.max || out.min || out.default ? out : undefined;
}

/** The merged item of `type` for a namespace, from the store's LimitRanges. */
export function limitRangeItem(store: Store, namespace: string | undefined, type: LimitRangeType): LimitRangeItem | undefined {
  const ranges = store.list("LimitRange", { namespace: namespace ?? "default" });
  return ranges.length === 0 ? undefined : mergeLimitRangeItems(ranges, type);
}
