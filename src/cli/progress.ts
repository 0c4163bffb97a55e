// Progress of a long command on stderr, so stdout keeps only the result: lines that stay, and a
// running figure (a download's percentage) that a terminal shows in place and a log or pipe gets
// only when it moves on to a new step.

export class Progress {
  readonly #stream: NodeJS.WriteStream;
  #inPlace = false;
  #lastKey: string | undefined;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
  }

  /** A line that stays. */
  line(text: string): void {
    this.#endInPlace();
    this.#lastKey = undefined;
    this.#stream.write(`${text}\n`);
  }

  /** A figure the next update replaces; off a terminal it is written only when `key` changes. */
  update(text: string, key: string = text): void {
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[2K${text}`);
      this.#inPlace = true;
    } else if (key !== this.#lastKey) {
      this.#stream.write(`${text}\n`);
    }
    this.#lastKey = key;
  }

  /** Ends a figure shown in place, so what follows starts on its own line. */
  done(): void {
    this.#endInPlace();
  }

  #endInPlace(): void {
    if (this.#inPlace) this.#stream.write('\n');
    this.#inPlace = false;
  }
}
