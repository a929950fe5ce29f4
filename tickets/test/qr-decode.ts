import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

const run = promisify(execFile);

/** Reads the QR code in a PNG the way a gate camera frame would be read. */
export function decodeQrPng(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/** Prints the PDF's first page to pixels with poppler (as a printer would), then reads its QR. */
export async function decodeQrInPdf(pdf: Buffer): Promise<string | undefined> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticket-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'ticket.pdf'), pdf);
    await run('pdftoppm', ['-png', '-r', '90', '-singlefile', 'ticket.pdf', 'page'], { cwd: dir });
    return decodeQrPng(fs.readFileSync(path.join(dir, 'page.png')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
