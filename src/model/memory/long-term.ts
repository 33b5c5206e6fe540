// The long-term model: an n-gram model of the training songs' tokens (what the corpus did after this context), mixed
// with the network and the tune's short-term model (memory-mix.ts). IDyOM combines a long-term and a short-term
// n-gram model (Pearce 2005); the network already is a long-term model, but it generalises and smooths: an n-gram
// model remembers the corpus's exact phrases and formulas, and folk songs share them (a cadence formula, the
// opening of a tune family). Mixed in with one weight per matched order, it takes bits per note from 2.626 to
// 2.568 on the European validation songs that the grammar replays (notes/issue-9-long-term.md).
//
// Estimation: interpolated Witten-Bell over orders 0..maxOrder, down to a uniform distribution ("method C" with
// blending, as the short-term model; short-term.ts), renormalized over the tokens the grammar allows.
//
// Pruning: a count of (context, next token) of order pruneFromOrder or more is kept only when at least minSongs
// different songs have it. The model then holds the corpus's shared patterns and no song's own phrases: the model
// folder is shipped, and the corpus's licence forbids redistributing its songs (README, "Data licence").
//
// Written by hand because no n-gram library works over integer tokens with a per-call set of allowed tokens. Layout:
// a trie of contexts read backwards from the latest token (the root is the empty context, its child for token a is
// the context [a], that node's child for b is [b, a], ...), in flat typed arrays, so that a lookup walks at most
// maxOrder binary searches and loading is one copy of the file.

export interface LongTermOptions {
  /** Longest context. */
  readonly maxOrder: number;
  /** A count of order >= pruneFromOrder is kept only when this many different songs have it. */
  readonly minSongs: number;
  readonly pruneFromOrder: number;
}

export const DEFAULT_LONG_TERM_OPTIONS: LongTermOptions = { maxOrder: 8, minSongs: 2, pruneFromOrder: 3 };

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
  /** Per node: the token that leads to it from its parent (the oldest token of its context). */
  private readonly edgeToken: Uint16Array;
  /** Per node: its counts are countToken/countValue[countStart[n] .. countStart[n + 1]), sorted by token. */
  private readonly countStart: Uint32Array;
  private readonly countToken: Uint16Array;
  private readonly countValue: Uint32Array;
  /** Per node: its total count (Witten-Bell's share is total / (total + types), types its number of counts). */
  private readonly nodeTotals: Uint32Array;
  /**
   * Dense rows, V entries each: row 0 the interpolated distribution of the empty context (its counts blended with
   * uniform), row 1 + i that of the root's child i (an order-1 context blended with row 0). Most of a lookup's work
   * was the order-1 context's many counts and the dense pass; with these rows it is one scaled copy of a row plus
   * the (few) counts of orders 2 and up. V + V x (order-1 contexts) floats: 1 MB for the shipped model.
   */
  private readonly denseRows: Float32Array;
  /** Scratch of a lookup: the nodes of the matched contexts by order and their coefficients. */
  private readonly path: Int32Array;
  private readonly coefficients: Float64Array;

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
    this.path = new Int32Array(options.maxOrder + 1);
    this.coefficients = new Float64Array(options.maxOrder + 1);
    const nodes = this.edgeToken.length;
    this.nodeTotals = new Uint32Array(nodes);
    for (let n = 0; n < nodes; n++) {
      let total = 0;
      for (let e = this.countStart[n]!; e < this.countStart[n + 1]!; e++) total += this.countValue[e]!;
      this.nodeTotals[n] = total;
    }
    const V = vocabularySize;
    const firstChild = this.childFirst[0]!;
    const children = this.childCount[0]!;
    // Built in doubles, kept in floats.
    const dense = new Float64Array(V * (1 + children));
    const rootLambda = this.lambda(0);
    const rootTotal = this.nodeTotals[0]!;
    dense.fill(rootTotal === 0 ? 1 / V : (1 - rootLambda) / V, 0, V);
    if (rootTotal > 0) {
      for (let e = this.countStart[0]!; e < this.countStart[1]!; e++) {
        const k = this.countToken[e]!;
        dense[k] = dense[k]! + (rootLambda * this.countValue[e]!) / rootTotal;
      }
    }
    for (let i = 0; i < children; i++) {
      const n = firstChild + i;
      const row = dense.subarray(V * (1 + i), V * (2 + i));
      const lambda = this.lambda(n);
      for (let k = 0; k < V; k++) row[k] = (1 - lambda) * dense[k]!;
      for (let e = this.countStart[n]!; e < this.countStart[n + 1]!; e++) {
        const k = this.countToken[e]!;
        row[k] = row[k]! + (lambda * this.countValue[e]!) / this.nodeTotals[n]!;
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
    for (let order = 1; order <= options.maxOrder; order++) {
      const keep = (songsWith: number) => order < options.pruneFromOrder || songsWith >= options.minSongs;
      // Context key: parent node * V + the context's oldest token.
      const counted = new Map<number, { count: number; songs: number; last: number }>();
      for (const [s, song] of songs.entries()) {
        for (let i = order; i < song.length; i++) {
          const parent = below[s]![i]!;
          if (parent < 0) continue;
          const key = (parent * V + song[i - order]!) * V + song[i]!;
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
      for (const key of [...counted.keys()].sort((a, b) => a - b)) {
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
        nodeParent.push(Math.floor(context / V));
        nodeEdge.push(context % V);
        nodeCounts.push(counts);
      }
      for (const [s, song] of songs.entries()) {
        const row = below[s]!;
        // Right to left: row[i] still holds the order below for the positions not yet visited.
        for (let i = song.length - 1; i >= 0; i--) {
          const parent = row[i]!;
          row[i] = i < order || parent < 0 ? -1 : (idOf.get(parent * V + song[i - order]!) ?? -1);
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
   * rest x rows[rowStart + k] (the order-1 context's dense row blended down to uniform, or the empty context's
   * when nothing of order 1 matched) plus the counts of the matched contexts of order 2 and up (sparseMass,
   * addSparse): p = lambda_top c_top / T_top + (1 - lambda_top) (... + (1 - lambda_2) row).
   */
  match(history: ArrayLike<number>, length: number): void {
    const path = this.path;
    let depth = 0;
    let node = 0;
    path[0] = 0;
    for (let order = 1; order <= this.options.maxOrder && order <= length; order++) {
      const child = this.child(node, history[length - order]!);
      if (child < 0) break;
      node = child;
      path[order] = node;
      depth = order;
    }
    const totals = this.nodeTotals;
    const coefficients = this.coefficients;
    let rest = 1;
    for (let order = depth; order >= 2; order--) {
      const n = path[order]!;
      const lambda = this.lambda(n);
      coefficients[order] = (rest * lambda) / totals[n]!;
      rest *= 1 - lambda;
    }
    this.depth = depth;
    this.rest = rest;
    this.rowStart = depth >= 1 ? this.vocabularySize * (1 + path[1]! - this.childFirst[0]!) : 0;
    // A model of no songs has a uniform row 0 and no context: it took no part.
    this.lastOrder = totals[0] === 0 ? -1 : depth;
  }

  /** The dense rows (V floats each) that match() points into. */
  get rows(): Float32Array {
    return this.denseRows;
  }

  /** The matched row's share and its start in `rows`, from the last match(). */
  rest = 1;
  rowStart = 0;
  private depth = 0;

  /** The mass the matched contexts of order 2 and up add to the tokens `allowed` marks (all without it). */
  sparseMass(allowed: Uint8Array | undefined): number {
    let total = 0;
    for (let order = 2; order <= this.depth; order++) {
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

  /** Adds `scale` x the matched contexts' (order 2 and up) counts to out[k] for the tokens `allowed` marks. */
  addSparse(out: Float64Array, scale: number, allowed: Uint8Array | undefined): void {
    const countStart = this.countStart;
    const countToken = this.countToken;
    const countValue = this.countValue;
    for (let order = 2; order <= this.depth; order++) {
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
    const options = { maxOrder: header.maxOrder, minSongs: header.minSongs, pruneFromOrder: header.pruneFromOrder };
    if (![nodes, entries, vocabularySize, header.songs].every((n) => Number.isInteger(n) && n >= 0) || nodes < 1) {
      throw new LongTermModelError('the long-term model file has a damaged header (its counts)');
    }
    checkOptions(options, vocabularySize);
    const headerEnd = align4(4 + jsonLength);
    const expected = headerEnd + nodes * 12 + 4 + entries * 4 + nodes * 2 + entries * 2;
    if (buffer.length !== expected) throw new LongTermModelError(`the long-term model file has ${buffer.length} bytes, expected ${expected}`);
    // One copy into aligned arrays (the file's buffer need not be aligned).
    let offset = headerEnd;
    const take = <T extends Uint32Array | Uint16Array>(make: (n: number) => T, n: number): T => {
      const array = make(n);
      const size = n * array.BYTES_PER_ELEMENT;
      Buffer.from(array.buffer).set(buffer.subarray(offset, offset + size));
      offset += size;
      return array;
    };
    const childFirst = take((n) => new Uint32Array(n), nodes);
    const childCount = take((n) => new Uint32Array(n), nodes);
    const countStart = take((n) => new Uint32Array(n), nodes + 1);
    const countValue = take((n) => new Uint32Array(n), entries);
    const edgeToken = take((n) => new Uint16Array(n), nodes);
    const countToken = take((n) => new Uint16Array(n), entries);
    // Every index the lookups follow stays inside its array.
    if (countStart[0] !== 0 || countStart[nodes] !== entries) throw new LongTermModelError('the long-term model file is damaged (its count ranges)');
    for (let n = 0; n < nodes; n++) {
      if (countStart[n + 1]! < countStart[n]!) throw new LongTermModelError('the long-term model file is damaged (its count ranges)');
      if (childCount[n]! > 0 && (childFirst[n]! <= n || childFirst[n]! + childCount[n]! > nodes)) throw new LongTermModelError('the long-term model file is damaged (its contexts)');
      if (edgeToken[n]! >= vocabularySize) throw new LongTermModelError('the long-term model file is damaged (a token outside the vocabulary)');
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
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
