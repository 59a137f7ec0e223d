import { printError } from '../print-error.js';

/**
 * Where an operator command writes. Human mode (the default): text and tables on stdout. JSON
 * mode (`--json`): exactly one JSON document on stdout, everything else — progress, errors — on
 * stderr, so a script can pipe stdout into a parser. Errors always go to stderr.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** The command's answer: `document` in JSON mode, else whatever `human` prints. */
  result(document: unknown, human: () => string): void {
    if (this.json) console.log(JSON.stringify(document, null, 2));
    else console.log(human());
  }

  /** A step of a long operation. */
  progress(message: string): void {
    if (this.json) console.error(message);
    else console.log(message);
  }

  error(error: unknown): void {
    if (!this.json) {
      printError(error);
      return;
    }
    const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
    const described = error instanceof Error ? { name, code, message } : { message: String(error) };
    console.error(JSON.stringify({ error: described }));
  }
}
