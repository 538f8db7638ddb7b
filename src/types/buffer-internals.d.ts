// Node's Buffer has fast, undocumented latin1/utf8 slice and write methods (they back
// buf.toString('latin1') and buf.write(s, 'latin1') without the encoding lookup).
// The hot paths use them directly; this declares them for TypeScript.

export {};

declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(s: string, offset: number, length: number): number;
    utf8Write(s: string, offset: number, length: number): number;
  }
}
