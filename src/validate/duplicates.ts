/**
 * Remembers the first line of every email seen, so a later row with the same address (compared
 * trimmed and case-insensitively: the validator lower-cases) can name it.
 *
 * A dry run over a million rows must stay within a modest, near-constant memory, and a Map of a
 * million strings costs about 75 MB of heap. So the addresses are packed as UTF-8 into 1 MiB
 * chunks, with an open-addressing hash table of entry numbers beside them: about 40 bytes per
 * address, and still exact (a hash match is confirmed by comparing the bytes).
 */
const CHUNK = 1 << 20;
/** Valid addresses are at most 254 characters (RFC 5321); longer ones are never claimed. */
export const MAX_EMAIL_BYTES = 255;

export class FirstSeen {
  readonly #chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  #used = CHUNK;
  #count = 0;
  /** Per entry: where its bytes start (chunk * CHUNK + offset), their length, their hash, its line. */
  #starts = new Uint32Array(1024);
  #lengths = new Uint8Array(1024);
  #hashes = new Uint32Array(1024);
  #lines = new Uint32Array(1024);
  /** Slot -> entry number + 1 (0 = empty). Kept at most half full. */
  #table = new Uint32Array(2048);
  readonly #scratch = Buffer.alloc(4 * MAX_EMAIL_BYTES);

  get size(): number {
    return this.#count;
  }

  /**
   * Records `email` at `line` if it is new; otherwise returns the line where it first appeared.
   * Addresses longer than MAX_EMAIL_BYTES are not remembered (they are invalid anyway).
   */
  claim(email: string, line: number): number | undefined {
    const length = this.#scratch.write(email);
    if (length > MAX_EMAIL_BYTES) return undefined;
    const hash = fnv1a(this.#scratch, length);
    const mask = this.#table.length - 1;
    let slot = hash & mask;
    for (let entry = this.#table[slot]!; entry !== 0; entry = this.#table[slot]!) {
      const i = entry - 1;
      if (this.#hashes[i] === hash && this.#lengths[i] === length && this.#sameBytes(i, length)) return this.#lines[i];
      slot = (slot + 1) & mask;
    }
    this.#add(hash, length, line, slot);
    return undefined;
  }

  #sameBytes(i: number, length: number): boolean {
    const start = this.#starts[i]!;
    const offset = start % CHUNK;
    return this.#chunks[Math.floor(start / CHUNK)]!.compare(this.#scratch, 0, length, offset, offset + length) === 0;
  }

  #add(hash: number, length: number, line: number, slot: number): void {
    if (this.#used + length > CHUNK) {
      this.#chunks.push(Buffer.allocUnsafe(CHUNK));
      this.#used = 0;
    }
    if (this.#count === this.#starts.length) this.#growEntries();
    const i = this.#count++;
    this.#scratch.copy(this.#chunks.at(-1)!, this.#used, 0, length);
    this.#starts[i] = (this.#chunks.length - 1) * CHUNK + this.#used;
    this.#lengths[i] = length;
    this.#hashes[i] = hash;
    this.#lines[i] = line;
    this.#used += length;
    this.#table[slot] = i + 1;
    if (this.#count * 2 > this.#table.length) this.#rehash();
  }

  #growEntries(): void {
    const grow = <T extends Uint32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.#starts = grow(this.#starts);
    this.#lengths = grow(this.#lengths);
    this.#hashes = grow(this.#hashes);
    this.#lines = grow(this.#lines);
  }

  #rehash(): void {
    const table = new Uint32Array(this.#table.length * 2);
    const mask = table.length - 1;
    for (let i = 0; i < this.#count; i++) {
      let slot = this.#hashes[i]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.#table = table;
  }
}

/** 32-bit FNV-1a over bytes. */
function fnv1a(bytes: Buffer, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
