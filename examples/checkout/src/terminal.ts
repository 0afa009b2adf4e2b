/**
 * The demo's output fits the terminal it runs in: text wrapped at its width, QR codes side by side
 * only when they fit (stacked otherwise), and no wallet's real host printed for a local sandbox.
 */
import type { NextAction } from '@hutong/core';

/** The width to fit: the terminal's columns, or 80 when the output is not a terminal. */
export function terminalColumns(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns && stream.columns > 0 ? stream.columns : 80;
}

const width = (line: string) => [...line].length;

/** A line of text wrapped at `columns`, continuation lines indented two more than the first. */
export function wrapLine(line: string, columns: number): string[] {
  if (width(line) <= columns) return [line];
  const indent = ' '.repeat((/^ */.exec(line)?.[0].length ?? 0) + 2);
  const out: string[] = [];
  let current = '';
  for (const word of line.trimStart().split(' ')) {
    const start = out.length === 0 && current === '' ? line.slice(0, line.length - line.trimStart().length) : indent;
    const next = current === '' ? `${start}${word}` : `${current} ${word}`;
    if (width(next) > columns && current !== '') {
      out.push(current);
      current = `${indent}${word}`;
    } else current = next;
  }
  if (current !== '') out.push(current);
  // A word longer than the line (a long URL) is cut, so that nothing passes the edge.
  return out.flatMap((part) => {
    const chars = [...part];
    const pieces: string[] = [];
    for (let at = 0; at < chars.length; at += columns) pieces.push(chars.slice(at, at + columns).join(''));
    return pieces;
  });
}

/** Blocks of lines side by side, three spaces apart. */
function sideBySide(columnsOf: string[][]): string {
  const widths = columnsOf.map((lines) => Math.max(...lines.map(width)) + 3);
  const height = Math.max(...columnsOf.map((lines) => lines.length));
  const rows: string[] = [];
  for (let row = 0; row < height; row++) {
    rows.push(
      columnsOf
        .map((lines, i) => {
          const line = lines[row] ?? '';
          return line + ' '.repeat((widths[i] as number) - width(line));
        })
        .join('')
        .trimEnd(),
    );
  }
  return rows.join('\n');
}

/**
 * QR codes (terminal text) under their captions, as many side by side as fit in `columns`; the
 * rest on the rows below (stacked one a row on a narrow terminal).
 */
export function qrBlocks(blocks: { caption: string; qr: string }[], columns: number): string {
  const rows: string[][][] = [];
  let row: string[][] = [];
  let used = 0;
  for (const { caption, qr } of blocks) {
    const lines = [caption, ...qr.split('\n').filter((line) => line.length > 0)];
    const blockWidth = Math.max(...lines.map(width));
    const needed = row.length === 0 ? blockWidth : used + 3 + blockWidth;
    if (row.length > 0 && needed > columns) {
      rows.push(row);
      row = [];
      used = 0;
    }
    used = row.length === 0 ? blockWidth : used + 3 + blockWidth;
    row.push(lines);
  }
  if (row.length > 0) rows.push(row);
  return rows.map(sideBySide).join('\n\n');
}

/** Whether a URL is on this machine (a local sandbox). */
function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/**
 * Where a web action sends the buyer, named without a wallet's real host: a local sandbox's URL is
 * shown by its path; a wallet's own address (WeChat Pay's h5 page, which the sandbox plays) is not
 * printed at all.
 */
export function describeAction(action: NextAction): string {
  if (action.type === 'form') {
    const where = isLocal(action.url) ? new URL(action.url).pathname : 'the wallet';
    return `a ${action.method} form to the sandbox's ${where}`;
  }
  if (action.type === 'redirect') {
    return isLocal(action.url)
      ? `the sandbox's ${new URL(action.url).pathname}`
      : "the wallet's page (the sandbox plays it)";
  }
  return action.type;
}
