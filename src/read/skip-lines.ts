/**
 * Drops the first lines of a byte or text stream, so that reading can start again after a row the
 * parser could not get past (a quote that is never closed). CRLF, LF and CR each end a line, as
 * for the parser. The last line dropped is kept (up to a size), so that its row can still show the
 * email and cells it starts with.
 */
import { Transform, type TransformCallback } from 'node:stream';

const LF = 10;
const CR = 13;

export class SkipLines extends Transform {
  #left: number;
  /** The previous character was a CR: an LF right after it belongs to the same line break. */
  #afterCr = false;
  readonly #keepMax: number;
  #kept: (string | Buffer)[] = [];
  #keptSize = 0;

  /** `lines`: how many lines to drop; `keepMax`: how much of the last one to keep. */
  constructor(lines: number, keepMax: number) {
    super({ decodeStrings: false });
    this.#left = lines;
    this.#keepMax = keepMax;
  }

  /** The text of the last line dropped (cut at `keepMax`), once the stream has passed it. */
  get lastLine(): string {
    const pieces = this.#kept;
    return pieces.every((piece) => typeof piece === 'string') ? pieces.join('') : Buffer.concat(pieces as Buffer[]).toString('utf8');
  }

  override _transform(chunk: string | Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    if (this.#afterCr && chunk.length > 0) {
      this.#afterCr = false;
      if (code(chunk, 0) === LF) i = 1;
    }
    if (this.#left === 0) return done(null, i === 0 ? chunk : chunk.slice(i));
    // Line breaks are found natively (indexOf), the next CR and the next LF each looked for once.
    const find = (byte: number, from: number) => {
      const at = typeof chunk === 'string' ? chunk.indexOf(byte === LF ? '\n' : '\r', from) : chunk.indexOf(byte, from);
      return at === -1 ? Infinity : at;
    };
    let lf = find(LF, i);
    let cr = find(CR, i);
    let lineStart = i;
    while (this.#left > 0) {
      const at = Math.min(lf, cr);
      if (at === Infinity) {
        i = chunk.length;
        break;
      }
      if (this.#left === 1) this.#keep(chunk.slice(lineStart, at));
      this.#left--;
      i = at + 1;
      if (at === cr) {
        if (i === chunk.length) this.#afterCr = true;
        else if (code(chunk, i) === LF) i++;
      }
      lineStart = i;
      if (lf < i) lf = find(LF, i);
      if (cr < i) cr = find(CR, i);
    }
    if (this.#left === 1) this.#keep(chunk.slice(lineStart, i));
    done(null, i < chunk.length ? chunk.slice(i) : undefined);
  }

  #keep(piece: string | Buffer): void {
    if (this.#keptSize >= this.#keepMax || piece.length === 0) return;
    const room = this.#keepMax - this.#keptSize;
    const cut = piece.length > room ? piece.slice(0, room) : piece;
    this.#kept.push(cut);
    this.#keptSize += cut.length;
  }
}

function code(chunk: string | Buffer, i: number): number {
  return typeof chunk === 'string' ? chunk.charCodeAt(i) : chunk[i]!;
}
