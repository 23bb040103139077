import { labelsKey, matches, seriesKey, sortLabels } from "./labels.js";
import { SmallSlots } from "./ring.js";
import { SeriesState } from "./series-state.js";
import type { Labels } from "./types.js";

/** Series sharing a label set share chunks, up to this many per chunk group. */
export const GROUP_MAX_SERIES = 16;
/** The label-order lookup is dropped when it grows past this many nodes per series (label floods). */
const ORDER_NODES_PER_SERIES = 8;

/** One distinct label set and the series (one per metric) that carry it. */
interface LabelSet {
  readonly key: string;
  readonly sorted: Labels;
  readonly byMetric: Map<string, SeriesState>;
  /** The label object last resolved the slow way: seen twice, it is worth a WeakMap entry. */
  lastObject: object | undefined;
}

/**
 * Label sets by their pairs in the order an object lists them: name, value, name, value... each a
 * level of Maps, so a lookup hashes the strings it is given and builds none.
 */
interface OrderNode {
  next: Map<string, OrderNode>;
  set: LabelSet | undefined;
}

/** What a label set canonicalizes to. */
export interface CanonicalLabels {
  sorted: Labels;
  key: string;
}

export interface NewSeries {
  id: number;
  metric: string;
  labels: Labels;
  key: string;
  grp: number;
}

/**
 * metric + label set → series. `resolve` is on the append hot path: a label object seen before
 * (probes reuse theirs) is one WeakMap lookup; a new object with a known label set (JSON bodies)
 * costs one string of its pairs in the order given and one Map lookup; only a label set never seen
 * is sorted and canonicalized. `find` serves the rule engine and queries from postings lists.
 */
export class SeriesIndex {
  private readonly byId: (SeriesState | undefined)[] = [];
  private readonly byKey = new Map<string, SeriesState>();
  private readonly labelSets = new Map<string, LabelSet>();
  private byOrder: OrderNode = orderNode();
  private orderNodes = 0;
  private weak = new WeakMap<object, LabelSet>();
  private readonly byMetric = new Map<string, SeriesState[]>();
  private readonly postings = new Map<string, SeriesState[]>();
  /** Per label set: the group new series join, and how many it has. */
  private readonly groups = new Map<string, { grp: number; members: number }>();
  private nextId = 1;
  private nextGrp = 1;
  size = 0;

  private readonly slots: SmallSlots;

  constructor(smallCapacity: number) {
    this.slots = new SmallSlots(smallCapacity);
  }

  get(id: number): SeriesState | undefined {
    return this.byId[id];
  }

  byCanonicalKey(key: string): SeriesState | undefined {
    return this.byKey.get(key);
  }

  *all(): IterableIterator<SeriesState> {
    for (const s of this.byId) if (s) yield s;
  }

  /** The series of `metric` with exactly `labels`, if it exists. */
  resolve(metric: string, labels: Labels): SeriesState | undefined {
    let set = this.weak.get(labels);
    if (set === undefined) {
      set = this.lookup(labels);
      if (set === undefined) return undefined;
    }
    return set.byMetric.get(metric);
  }

  private lookup(labels: Labels): LabelSet | undefined {
    let node: OrderNode | undefined = this.byOrder;
    for (const n in labels) {
      node = node.next.get(n)?.next.get(labels[n] as string);
      if (node === undefined) break;
    }
    let set = node?.set;
    if (set === undefined) {
      set = this.labelSets.get(labelsKey(sortLabels(labels)));
      if (set === undefined) return undefined;
      this.remember(labels, set);
    }
    // A probe passes the same object every run; a JSON body a new one each time. Only the former
    // is remembered (WeakMap insertions cost more than they save for objects seen once).
    if (set.lastObject === labels) this.weak.set(labels, set);
    else set.lastObject = labels;
    return set;
  }

  private remember(labels: Labels, set: LabelSet): void {
    if (this.orderNodes >= ORDER_NODES_PER_SERIES * (this.size + 64)) {
      this.byOrder = orderNode();
      this.orderNodes = 0;
    }
    let node = this.byOrder;
    for (const n in labels) {
      for (const part of [n, labels[n] as string]) {
        let next = node.next.get(part);
        if (!next) {
          next = orderNode();
          node.next.set(part, next);
          this.orderNodes++;
        }
        node = next;
      }
    }
    node.set = set;
  }

  canonical(labels: Labels): CanonicalLabels {
    const sorted = sortLabels(labels);
    return { sorted, key: labelsKey(sorted) };
  }

  /** Registers a new series; its id and chunk group are assigned here. */
  create(metric: string, canon: CanonicalLabels, scale: number | undefined): SeriesState {
    let group = this.groups.get(canon.key);
    if (!group || group.members >= GROUP_MAX_SERIES) {
      group = { grp: this.nextGrp++, members: 0 };
      this.groups.set(canon.key, group);
    }
    group.members++;
    return this.add(this.nextId++, metric, canon, group.grp, scale);
  }

  /** Registers a series loaded from the store, with its persisted id and group. */
  load(row: NewSeries, scale: number | undefined): SeriesState {
    const canon = { sorted: sortLabels(row.labels), key: "" };
    canon.key = labelsKey(canon.sorted);
    const state = this.add(row.id, row.metric, canon, row.grp, scale);
    this.nextId = Math.max(this.nextId, row.id + 1);
    this.nextGrp = Math.max(this.nextGrp, row.grp + 1);
    const group = this.groups.get(canon.key);
    if (!group || row.grp > group.grp) this.groups.set(canon.key, { grp: row.grp, members: 1 });
    else if (row.grp === group.grp) group.members++;
    return state;
  }

  private add(id: number, metric: string, canon: CanonicalLabels, grp: number, scale?: number): SeriesState {
    const key = seriesKey(metric, canon.sorted);
    const state = new SeriesState(id, metric, canon.sorted, key, grp, scale, this.slots);
    this.byId[id] = state;
    this.byKey.set(key, state);
    let set = this.labelSets.get(canon.key);
    if (!set) {
      set = { key: canon.key, sorted: canon.sorted, byMetric: new Map(), lastObject: undefined };
      this.labelSets.set(canon.key, set);
    }
    set.byMetric.set(metric, state);
    push(this.byMetric, metric, state);
    for (const n in canon.sorted) push(this.postings, posting(n, canon.sorted[n] as string), state);
    this.size++;
    return state;
  }

  /** Series of `metric` whose labels include every pair of `match`. */
  find(metric: string, match?: Labels): SeriesState[] {
    let candidates = this.byMetric.get(metric) ?? [];
    if (match) {
      for (const n in match) {
        const list = this.postings.get(posting(n, match[n] as string)) ?? [];
        if (list.length < candidates.length) candidates = list;
      }
    }
    return candidates.filter((s) => s.metric === metric && matches(s.labels, match));
  }
}

function orderNode(): OrderNode {
  return { next: new Map(), set: undefined };
}

function posting(name: string, value: string): string {
  return `${name}\u0000${value}`;
}

function push<K>(map: Map<K, SeriesState[]>, key: K, state: SeriesState): void {
  const list = map.get(key);
  if (list) list.push(state);
  else map.set(key, [state]);
}
