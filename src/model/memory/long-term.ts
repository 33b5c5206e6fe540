// The long-term model: an n-gram model of the training songs' tokens (what the corpus did after this context), mixed
// with the network and the tune's short-term model (memory-mix.ts). IDyOM combines a long-term and a short-term
// n-gram model (Pearce 2005); the network already is a long-term model, but it generalises and smooths: an n-gram
// model remembers the corpus's exact phrases and formulas, and folk songs share them (a cadence formula, the
// opening of a tune family). Mixed in with one weight per matched order, it takes bits per note with the grammar
// from 2.698 to 2.638 on the European validation songs (README, "Long-term model"; notes/issue-9-long-term.md).
//
// Estimation: interpolated Witten-Bell over orders 0..maxOrder, down to a uniform distribution ("method C" with
// blending, as the short-term model; short-term.ts), renormalized over the tokens the grammar allows.
//
// Conditioning: a context starts with the song's latest token of each conditioning slot (calibrate uses one, the
// meter), then its own latest tokens: p(next | meter, t-1, t-2, ...), backing off to the slot alone, then to the
// whole collection's unigram, then to uniform. Durations are tokens in quarters whatever the meter, so without it
// the meters' counts were pooled and 6/8 tunes took the commoner 2/4's sixteenths (calibrate.ts, conditioningSlots).
//
// Pruning: a count of (context, next token) of order pruneFromOrder or more is kept only when at least minSongs
// different songs have it. The model then holds the corpus's shared patterns and no song's own phrases: the model
// folder is shipped, and the corpus's licence forbids redistributing its songs (README, "Data licence").
//
// Written by hand because no n-gram library works over integer tokens with a per-call set of allowed tokens. Layout:
// a trie of contexts read from the slots and then backwards from the latest token (the root is the empty context,
// its child for meter m is [m], that node's child for token a is [m | a], whose child for b is [m | b, a], ...), in
// flat typed arrays: a lookup walks at most slots + maxOrder binary searches, and the loaded model is views on the
// file's bytes.

export interface LongTermOptions {
  /** Longest context, in the song's own tokens (the slots come on top). */
  readonly maxOrder: number;
  /** A count of a context of pruneFromOrder own tokens or more is kept only when this many different songs have it. */
  readonly minSongs: number;
  readonly pruneFromOrder: number;
  /** Conditioning slots, each a set of token ids (e.g. the style tokens, the meter tokens); default none. */
  readonly slots?: readonly (readonly number[])[];
}

export const DEFAULT_LONG_TERM_OPTIONS: LongTermOptions = { maxOrder: 8, minSongs: 2, pruneFromOrder: 3 };

/** A dense row is kept for a context of the first own-token level with at least this many counts. */
const DENSE_ROW_MIN_COUNTS = 48;

export class LongTermModelError extends Error {
  override readonly name = 'LongTermModelError';
}

const FORMAT = 'folkbot-long-term';
const VERSION = 1;

interface Header extends LongTermOptions {
  readonly format: string;
  readonly version: number;
  readonly vocabularySize: number;
  readonly songs: number;
  readonly nodes: number;
  readonly entries: number;
}

export class LongTermModel {
  /** Per node: its first child and how many it has (children are contiguous, sorted by edge token). */
  private readonly childFirst: Uint32Array;
  private readonly childCount: Uint32Array;
  /** Per node: the token that leads to it from its parent (the oldest token of its context; V: a slot left empty). */
  private readonly edgeToken: Uint16Array;
  /** Per node: its counts are countToken/countValue[countStart[n] .. countStart[n + 1]), sorted by token. */
  private readonly countStart: Uint32Array;
  private readonly countToken: Uint16Array;
  private readonly countValue: Uint32Array;
  /** Per node: its total count (Witten-Bell's share is total / (total + types), types its number of counts). */
  private readonly nodeTotals: Uint32Array;
  /**
   * Dense rows, V floats each: a node's whole interpolated distribution (its counts blended with its parent's row,
   * down to uniform), for the root, every slot context, and the contexts of the first own-token level with many
   * counts (DENSE_ROW_MIN_COUNTS). A lookup copies the deepest matched row once and adds the (few) counts of the
   * contexts above it. rowOf: a row node -> its row's start.
   */
  private readonly denseRows: Float32Array;
  private readonly rowOf: Map<number, number>;
  /** slotOf[token]: the conditioning slot the token belongs to, -1 for none. */
  private readonly slotOf: Int8Array;
  /** Number of conditioning slots. */
  readonly slotCount: number;
  /** Scratch of a lookup: the nodes of the matched contexts by order and their coefficients. */
  private readonly path: Int32Array;
  private readonly coefficients: Float64Array;
  private readonly latest: Int32Array;

  private constructor(
    readonly vocabularySize: number,
    readonly options: LongTermOptions,
    /** Training songs it was built from. */
    readonly songs: number,
    arrays: { childFirst: Uint32Array; childCount: Uint32Array; edgeToken: Uint16Array; countStart: Uint32Array; countToken: Uint16Array; countValue: Uint32Array },
  ) {
    this.childFirst = arrays.childFirst;
    this.childCount = arrays.childCount;
    this.edgeToken = arrays.edgeToken;
    this.countStart = arrays.countStart;
    this.countToken = arrays.countToken;
    this.countValue = arrays.countValue;
    const slots = options.slots ?? [];
    this.slotCount = slots.length;
    this.slotOf = new Int8Array(vocabularySize).fill(-1);
    slots.forEach((tokens, slot) => {
      for (const token of tokens) this.slotOf[token] = slot;
    });
    const levels = options.maxOrder + this.slotCount;
    this.path = new Int32Array(levels + 1);
    this.coefficients = new Float64Array(levels + 1);
    this.latest = new Int32Array(this.slotCount);
    const nodes = this.edgeToken.length;
    this.nodeTotals = new Uint32Array(nodes);
    for (let n = 0; n < nodes; n++) {
      let total = 0;
      for (let e = this.countStart[n]!; e < this.countStart[n + 1]!; e++) total += this.countValue[e]!;
      this.nodeTotals[n] = total;
    }
    // The row nodes, level by level from the root (parents before children): the slot contexts and the first
    // own-token level's contexts with many counts. A few hundred nodes: walked, not scanned.
    const V = vocabularySize;
    const rowNodes: { node: number; parent: number }[] = [{ node: 0, parent: -1 }];
    let level = [0];
    for (let depth = 1; depth <= this.slotCount + 1 && level.length > 0; depth++) {
      const next: number[] = [];
      for (const parent of level) {
        for (let c = this.childFirst[parent]!; c < this.childFirst[parent]! + this.childCount[parent]!; c++) {
          if (depth <= this.slotCount || this.countStart[c + 1]! - this.countStart[c]! >= DENSE_ROW_MIN_COUNTS) {
            rowNodes.push({ node: c, parent });
            next.push(c);
          }
        }
      }
      level = next;
    }
    this.rowOf = new Map(rowNodes.map(({ node }, row) => [node, V * row]));
    // Built in doubles, kept in floats.
    const dense = new Float64Array(V * rowNodes.length);
    for (const { node: n, parent } of rowNodes) {
      const start = this.rowOf.get(n)!;
      const lambda = this.lambda(n);
      if (parent < 0) dense.fill(this.nodeTotals[n] === 0 ? 1 / V : (1 - lambda) / V, start, start + V);
      else {
        const from = this.rowOf.get(parent)!;
        for (let k = 0; k < V; k++) dense[start + k] = (1 - lambda) * dense[from + k]!;
      }
      for (let e = this.countStart[n]!; e < this.countStart[n + 1]!; e++) {
        const k = this.countToken[e]!;
        dense[start + k] = dense[start + k]! + (lambda * this.countValue[e]!) / this.nodeTotals[n]!;
      }
    }
    this.denseRows = Float32Array.from(dense);
  }

  /** Contexts held (the empty one included). */
  get nodes(): number {
    return this.edgeToken.length;
  }

  /** (context, next token) counts held. */
  get entries(): number {
    return this.countToken.length;
  }

  /**
   * Builds the model from the token sequences of the training songs (every token after the first is predicted from
   * the tokens before it, the songs' conditioning included).
   */
  static build(songs: readonly Int32Array[], vocabularySize: number, options: LongTermOptions = DEFAULT_LONG_TERM_OPTIONS): LongTermModel {
    checkOptions(options, vocabularySize);
    const V = vocabularySize;
    for (const [s, song] of songs.entries()) {
      for (const token of song) {
        if (!(Number.isInteger(token) && token >= 0 && token < V)) throw new LongTermModelError(`song ${s} has token ${token}, outside the vocabulary (0..${V - 1})`);
      }
    }
    const slots = options.slots ?? [];
    const S = slots.length;
    // Edges run over the vocabulary and V, the token of a slot the song has not filled (yet).
    const E = V + 1;
    const slotOf = new Int8Array(V).fill(-1);
    slots.forEach((tokens, slot) => {
      for (const token of tokens) slotOf[token] = slot;
    });
    // latest[s][slot][i]: the song's latest token of the slot before position i (V when none).
    const latest = songs.map((song) => {
      const rows = slots.map(() => new Int32Array(song.length).fill(V));
      const current = new Int32Array(S).fill(V);
      for (let i = 0; i < song.length; i++) {
        for (let slot = 0; slot < S; slot++) rows[slot]![i] = current[slot]!;
        const slot = slotOf[song[i]!]!;
        if (slot >= 0) current[slot] = song[i]!;
      }
      return rows;
    });
    // The edge at walk depth `order` for position i: the slots first, then the song's own tokens backwards.
    const edgeAt = (s: number, i: number, order: number): number => (order <= S ? latest[s]![order - 1]![i]! : i - (order - S) >= 0 ? songs[s]![i - (order - S)]! : -1);
    // Level by level: at each predicted position, the node of its context of the order below (-1 when that context
    // was pruned away: then no longer context of it can be kept either, since its counts come from fewer songs).
    const below = songs.map((song) => new Int32Array(song.length).fill(0));
    const nodeParent: number[] = [-1];
    const nodeEdge: number[] = [0];
    const nodeCounts: { tokens: number[]; values: number[] }[] = [];
    // Order 0: the root's counts, of every predicted position.
    const rootCounts = new Float64Array(V);
    for (const song of songs) for (let i = 1; i < song.length; i++) rootCounts[song[i]!]!++;
    const root = { tokens: [] as number[], values: [] as number[] };
    for (let k = 0; k < V; k++) {
      if (rootCounts[k]! === 0) continue;
      root.tokens.push(k);
      root.values.push(rootCounts[k]!);
    }
    nodeCounts.push(root);
    for (let order = 1; order <= options.maxOrder + S; order++) {
      const keep = (songsWith: number) => order - S < options.pruneFromOrder || songsWith >= options.minSongs;
      // Context key: parent node * E + the context's oldest token.
      const counted = new Map<number, { count: number; songs: number; last: number }>();
      for (const [s, song] of songs.entries()) {
        for (let i = 1; i < song.length; i++) {
          const parent = below[s]![i]!;
          const edge = edgeAt(s, i, order);
          if (parent < 0 || edge < 0) continue;
          const key = (parent * E + edge) * V + song[i]!;
          const entry = counted.get(key);
          if (entry === undefined) counted.set(key, { count: 1, songs: 1, last: s });
          else {
            entry.count++;
            if (entry.last !== s) {
              entry.songs++;
              entry.last = s;
            }
          }
        }
      }
      // The contexts with a count kept, in (parent, edge token) order: a parent's children are contiguous.
      const contexts = new Map<number, { tokens: number[]; values: number[] }>();
      for (const key of [...counted.keys()].sort((x, y) => x - y)) {
        const entry = counted.get(key)!;
        if (!keep(entry.songs)) continue;
        const context = Math.floor(key / V);
        let counts = contexts.get(context);
        if (counts === undefined) contexts.set(context, (counts = { tokens: [], values: [] }));
        counts.tokens.push(key % V);
        counts.values.push(entry.count);
      }
      if (contexts.size === 0) break;
      const idOf = new Map<number, number>();
      for (const [context, counts] of contexts) {
        idOf.set(context, nodeParent.length);
        nodeParent.push(Math.floor(context / E));
        nodeEdge.push(context % E);
        nodeCounts.push(counts);
      }
      for (const [s, song] of songs.entries()) {
        const row = below[s]!;
        for (let i = 1; i < song.length; i++) {
          const parent = row[i]!;
          const edge = edgeAt(s, i, order);
          row[i] = parent < 0 || edge < 0 ? -1 : (idOf.get(parent * E + edge) ?? -1);
        }
      }
    }
    const nodes = nodeParent.length;
    const childFirst = new Uint32Array(nodes);
    const childCount = new Uint32Array(nodes);
    for (let n = 1; n < nodes; n++) {
      const parent = nodeParent[n]!;
      if (childCount[parent] === 0) childFirst[parent] = n;
      childCount[parent]!++;
    }
    const countStart = new Uint32Array(nodes + 1);
    for (let n = 0; n < nodes; n++) countStart[n + 1] = countStart[n]! + nodeCounts[n]!.tokens.length;
    const countToken = new Uint16Array(countStart[nodes]!);
    const countValue = new Uint32Array(countStart[nodes]!);
    for (let n = 0; n < nodes; n++) {
      countToken.set(nodeCounts[n]!.tokens, countStart[n]!);
      countValue.set(nodeCounts[n]!.values, countStart[n]!);
    }
    return new LongTermModel(V, options, songs.length, { childFirst, childCount, edgeToken: Uint16Array.from(nodeEdge), countStart, countToken, countValue });
  }

  /**
   * The next token's distribution after history[0..length), over the tokens list[0..count) that `allowed` marks 1
   * (the grammar's tokens; list and allowed describe the same set; without `allowed`, the list must hold the whole
   * vocabulary): writes each listed token's weight into `out`, unnormalized, and returns their total, so that
   * p(k) = out[k] / total. `lastOrder` is then the longest context order that took part. Other entries of `out`
   * are scratch. The interpolated distribution is the whole vocabulary's, renormalized over the listed tokens.
   * TuneMemory does the same in its own passes (match, rows, sparseMass, addSparse), so that it reads the listed
   * tokens once.
   */
  distribution(history: ArrayLike<number>, length: number, list: Int32Array, count: number, allowed: Uint8Array | undefined, out: Float64Array): number {
    this.match(history, length);
    const rows = this.denseRows;
    const rowStart = this.rowStart;
    const rest = this.rest;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const k = list[i]!;
      const value = rest * rows[rowStart + k]!;
      out[k] = value;
      total += value;
    }
    total += this.sparseMass(allowed);
    this.addSparse(out, 1, allowed);
    return total;
  }

  /**
   * The first part of a lookup: finds the contexts of history[0..length) and their shares. The distribution is then
   * rest x rows[rowStart + k] (the deepest matched context that has a dense row, blended down to uniform) plus the
   * counts of the matched contexts above it (sparseMass, addSparse):
   * p = lambda_top c_top / T_top + (1 - lambda_top) (... + (1 - lambda_next) row). `slots`: the history's latest
   * token of each conditioning slot (V: none), when the caller keeps them (TuneMemory); else they are looked up.
   */
  match(history: ArrayLike<number>, length: number, slots?: Int32Array): void {
    const S = this.slotCount;
    const V = this.vocabularySize;
    let latest = slots;
    if (latest === undefined && S > 0) {
      latest = this.latest.fill(V);
      let missing = S;
      for (let i = length - 1; i >= 0 && missing > 0; i--) {
        const slot = this.slotOf[history[i]!]!;
        if (slot >= 0 && latest[slot] === V) {
          latest[slot] = history[i]!;
          missing--;
        }
      }
    }
    const path = this.path;
    let depth = 0;
    let node = 0;
    path[0] = 0;
    const levels = this.options.maxOrder + S;
    for (let order = 1; order <= levels; order++) {
      let edge: number;
      if (order <= S) edge = latest![order - 1]!;
      else if (order - S <= length) edge = history[length - (order - S)]!;
      else break;
      const child = this.child(node, edge);
      if (child < 0) break;
      node = child;
      path[order] = node;
      depth = order;
    }
    let rowDepth = Math.min(depth, S + 1);
    while (!this.rowOf.has(path[rowDepth]!)) rowDepth--;
    const totals = this.nodeTotals;
    const coefficients = this.coefficients;
    let rest = 1;
    for (let order = depth; order > rowDepth; order--) {
      const n = path[order]!;
      const lambda = this.lambda(n);
      coefficients[order] = (rest * lambda) / totals[n]!;
      rest *= 1 - lambda;
    }
    this.depth = depth;
    this.rowDepth = rowDepth;
    this.rest = rest;
    this.rowStart = this.rowOf.get(path[rowDepth]!)!;
    // The order counts the song's own tokens (the slots are the context's floor). A model of no songs has a
    // uniform row 0 and no context: it took no part.
    this.lastOrder = totals[0] === 0 ? -1 : Math.max(0, depth - S);
  }

  /** The slot (0..slotCount-1) a token fills, or -1. */
  slotOfToken(token: number): number {
    return this.slotOf[token] ?? -1;
  }

  /** The dense rows (V floats each) that match() points into. */
  get rows(): Float32Array {
    return this.denseRows;
  }

  /** The matched row's share and its start in `rows`, from the last match(). */
  rest = 1;
  rowStart = 0;
  private depth = 0;
  private rowDepth = 0;

  /** The mass the matched contexts above the row add to the tokens `allowed` marks (all without it). */
  sparseMass(allowed: Uint8Array | undefined): number {
    let total = 0;
    for (let order = this.rowDepth + 1; order <= this.depth; order++) {
      const n = this.path[order]!;
      const scale = this.coefficients[order]!;
      let sum = 0;
      for (let e = this.countStart[n]!, end = this.countStart[n + 1]!; e < end; e++) {
        if (allowed === undefined || allowed[this.countToken[e]!] === 1) sum += this.countValue[e]!;
      }
      total += scale * sum;
    }
    return total;
  }

  /** Adds `scale` x the counts of the matched contexts above the row to out[k] for the tokens `allowed` marks. */
  addSparse(out: Float64Array, scale: number, allowed: Uint8Array | undefined): void {
    const countStart = this.countStart;
    const countToken = this.countToken;
    const countValue = this.countValue;
    for (let order = this.rowDepth + 1; order <= this.depth; order++) {
      const n = this.path[order]!;
      const factor = scale * this.coefficients[order]!;
      for (let e = countStart[n]!, end = countStart[n + 1]!; e < end; e++) {
        const token = countToken[e]!;
        if (allowed === undefined || allowed[token] === 1) out[token] = out[token]! + factor * countValue[e]!;
      }
    }
  }

  /** The longest context order of the last match() or distribution() (-1: none). */
  lastOrder = -1;

  /** Witten-Bell's share of a context: total / (total + types). */
  private lambda(node: number): number {
    const total = this.nodeTotals[node]!;
    return total === 0 ? 0 : total / (total + this.countStart[node + 1]! - this.countStart[node]!);
  }

  /** The child of `node` reached by `token` (binary search over its sorted children), or -1. */
  private child(node: number, token: number): number {
    let low = this.childFirst[node]!;
    let high = low + this.childCount[node]! - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const edge = this.edgeToken[middle]!;
      if (edge === token) return middle;
      if (edge < token) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /**
   * The file: u32 header length, header JSON, padding to 4 bytes, then childFirst, childCount, countStart (u32),
   * countValue (u32), edgeToken, countToken (u16), all little-endian.
   */
  toBytes(): Buffer {
    const header: Header = { format: FORMAT, version: VERSION, vocabularySize: this.vocabularySize, songs: this.songs, ...this.options, nodes: this.nodes, entries: this.entries };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const headerEnd = align4(4 + json.length);
    const parts = [this.childFirst, this.childCount, this.countStart, this.countValue, this.edgeToken, this.countToken];
    const size = headerEnd + parts.reduce((sum, part) => sum + part.byteLength, 0);
    const bytes = Buffer.alloc(size);
    bytes.writeUInt32LE(json.length, 0);
    json.copy(bytes, 4);
    let offset = headerEnd;
    for (const part of parts) {
      Buffer.from(part.buffer, part.byteOffset, part.byteLength).copy(bytes, offset);
      offset += part.byteLength;
    }
    return bytes;
  }

  /** Reads a file written by toBytes; throws LongTermModelError saying what is wrong. */
  static fromBytes(bytes: Uint8Array): LongTermModel {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buffer.length < 4) throw new LongTermModelError('the long-term model file is empty or truncated');
    const jsonLength = buffer.readUInt32LE(0);
    if (4 + jsonLength > buffer.length) throw new LongTermModelError('the long-term model file is truncated in its header');
    let header: Header;
    try {
      header = JSON.parse(buffer.subarray(4, 4 + jsonLength).toString('utf8')) as Header;
    } catch {
      throw new LongTermModelError('the long-term model file has a damaged header');
    }
    if (header === null || typeof header !== 'object' || header.format !== FORMAT || header.version !== VERSION) {
      throw new LongTermModelError(`not a folkbot long-term model (format "${FORMAT}", version ${VERSION})`);
    }
    const { nodes, entries, vocabularySize } = header;
    const options: LongTermOptions = { maxOrder: header.maxOrder, minSongs: header.minSongs, pruneFromOrder: header.pruneFromOrder, ...(header.slots !== undefined ? { slots: header.slots } : {}) };
    if (![nodes, entries, vocabularySize, header.songs].every((n) => Number.isInteger(n) && n >= 0) || nodes < 1) {
      throw new LongTermModelError('the long-term model file has a damaged header (its counts)');
    }
    checkOptions(options, vocabularySize);
    const headerEnd = align4(4 + jsonLength);
    const expected = headerEnd + nodes * 12 + 4 + entries * 4 + nodes * 2 + entries * 2;
    if (buffer.length !== expected) throw new LongTermModelError(`the long-term model file has ${buffer.length} bytes, expected ${expected}`);
    // Views on the file's own memory where it is aligned (a file read whole is: the header is padded to 4 bytes and
    // the 32-bit arrays come first), so that loading keeps one copy of the model; a copy otherwise. The arrays are
    // little-endian in the file, as typed arrays are on every platform Node runs on that folkbot supports.
    let offset = headerEnd;
    const take = <T extends Uint32Array | Uint16Array>(kind: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number }, n: number): T => {
      const at = buffer.byteOffset + offset;
      const size = n * kind.BYTES_PER_ELEMENT;
      let array: T;
      if (at % kind.BYTES_PER_ELEMENT === 0) array = new kind(buffer.buffer, at, n);
      else {
        array = new kind(n);
        Buffer.from(array.buffer).set(buffer.subarray(offset, offset + size));
      }
      offset += size;
      return array;
    };
    const childFirst = take(Uint32Array, nodes);
    const childCount = take(Uint32Array, nodes);
    const countStart = take(Uint32Array, nodes + 1);
    const countValue = take(Uint32Array, entries);
    const edgeToken = take(Uint16Array, nodes);
    const countToken = take(Uint16Array, entries);
    // Every index the lookups follow stays inside its array.
    if (countStart[0] !== 0 || countStart[nodes] !== entries) throw new LongTermModelError('the long-term model file is damaged (its count ranges)');
    for (let n = 0; n < nodes; n++) {
      if (countStart[n + 1]! < countStart[n]!) throw new LongTermModelError('the long-term model file is damaged (its count ranges)');
      if (childCount[n]! > 0 && (childFirst[n]! <= n || childFirst[n]! + childCount[n]! > nodes)) throw new LongTermModelError('the long-term model file is damaged (its contexts)');
      if (edgeToken[n]! > vocabularySize) throw new LongTermModelError('the long-term model file is damaged (a token outside the vocabulary)');
    }
    for (let e = 0; e < entries; e++) if (countToken[e]! >= vocabularySize) throw new LongTermModelError('the long-term model file is damaged (a token outside the vocabulary)');
    return new LongTermModel(vocabularySize, options, header.songs, { childFirst, childCount, edgeToken, countStart, countToken, countValue });
  }
}

function checkOptions(options: LongTermOptions, vocabularySize: number): void {
  const whole = (n: unknown, min: number, max: number) => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
  if (!whole(vocabularySize, 1, 65535)) throw new LongTermModelError(`the vocabulary size must be a whole number from 1 to 65535, got ${vocabularySize}`);
  if (!whole(options.maxOrder, 0, 32)) throw new LongTermModelError(`the long-term model's max order must be a whole number from 0 to 32, got ${options.maxOrder}`);
  if (!whole(options.minSongs, 1, 1_000_000)) throw new LongTermModelError(`minSongs must be a whole number of at least 1, got ${options.minSongs}`);
  if (!whole(options.pruneFromOrder, 0, 33)) throw new LongTermModelError(`pruneFromOrder must be a whole number from 0 to 33, got ${options.pruneFromOrder}`);
  const slots = options.slots ?? [];
  if (!Array.isArray(slots) || slots.length > 8) throw new LongTermModelError('slots must be a list of at most 8 lists of token ids');
  const seen = new Set<number>();
  for (const tokens of slots) {
    if (!Array.isArray(tokens) || !tokens.every((t) => whole(t, 0, vocabularySize - 1) && !seen.has(t))) {
      throw new LongTermModelError('each slot must be a list of token ids of the vocabulary, no token in two slots');
    }
    for (const t of tokens) seen.add(t);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
