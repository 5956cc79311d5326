/**
 * Uploads as an attacker sends them: files that sharp *could* decode but that we never accept
 * (a well-formed SVG), files that lie about their kind (an image signature in front of HTML), and
 * real images carrying a payload after their last chunk. The signature check must refuse the
 * first before any decoder sees it; re-encoding must drop whatever is not pixels.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { storeDocumentUpload, storeImageUpload, UploadError } from '~/utils/uploads.server';
import { fileOf, makeImage } from '../fixtures/images';

/** An SVG that librsvg (inside sharp) renders happily: it has a size, a shape, and a script. */
const DECODABLE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(document.cookie)</script><rect width="64" height="64" fill="orange"/></svg>';
const SVG_VARIANTS = [DECODABLE_SVG, `<?xml version="1.0" encoding="UTF-8"?>\n${DECODABLE_SVG}`, `\uFEFF  ${DECODABLE_SVG}`];
const PAYLOAD = '<script>alert(document.cookie)</script>';

let uploadDir: string;
beforeEach(() => {
  uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-security-uploads-'));
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the upload was accepted').toBeInstanceOf(UploadError);
  return (error as UploadError).code;
}

/** Every file written under the upload folder, relative to it. */
function storedFiles(): string[] {
  return fs.existsSync(uploadDir) ? (fs.readdirSync(uploadDir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => e.name) : [];
}

describe('uploads under attack', () => {
  it('the SVG used here is one the image decoder would render, so only the signature check stands in its way', async () => {
    const { info } = await sharp(Buffer.from(DECODABLE_SVG)).webp().toBuffer({ resolveWithObject: true });
    expect([info.format, info.width, info.height]).toEqual(['webp', 64, 64]);
  });

  it('refuses a decodable SVG as a public image, whatever name and type it claims, and writes nothing', async () => {
    for (const svg of SVG_VARIANTS) {
      for (const [name, type] of [
        ['logo.svg', 'image/svg+xml'],
        ['photo.png', 'image/png'],
        ['photo.jpg', 'image/jpeg'],
      ] as const) {
        expect(await refusal(storeImageUpload(uploadDir, fileOf(svg, name, type), { folder: 'products' })), `${name} ${JSON.stringify(svg.slice(0, 12))}`).toBe('unsupported_type');
      }
    }
    expect(storedFiles()).toEqual([]);
  });

  it('refuses a decodable SVG as a private document (evidence, report attachment) and writes nothing', async () => {
    for (const svg of SVG_VARIANTS) {
      expect(await refusal(storeDocumentUpload(uploadDir, fileOf(svg, 'licence.png', 'image/png'), { folder: 'gi-evidence' }))).toBe('unsupported_type');
    }
    expect(storedFiles()).toEqual([]);
  });

  it('refuses HTML behind an image signature (a polyglot) as corrupt: the decoder, not the name, decides', async () => {
    const jpegHead = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    const pngHead = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    for (const head of [jpegHead, pngHead]) {
      const polyglot = Buffer.concat([head, Buffer.from(`<!doctype html><html><body>${PAYLOAD}</body></html>`)]);
      expect(await refusal(storeImageUpload(uploadDir, fileOf(polyglot, 'photo.jpg', 'image/jpeg')))).toBe('corrupt');
      expect(await refusal(storeDocumentUpload(uploadDir, fileOf(polyglot, 'scan.jpg', 'image/jpeg')))).toBe('corrupt');
    }
    expect(storedFiles()).toEqual([]);
  });

  it('keeps only pixels: a script appended after a real image’s last chunk is not in what is stored', async () => {
    for (const format of ['jpeg', 'png'] as const) {
      const carrier = Buffer.concat([await makeImage(format, { width: 320, height: 200 }), Buffer.from(PAYLOAD)]);
      const image = await storeImageUpload(uploadDir, fileOf(carrier, `photo.${format}`, `image/${format}`), { folder: 'products' });
      for (const variant of image.variants) {
        const bytes = fs.readFileSync(path.join(uploadDir, 'public', variant.path));
        expect(variant.path).toMatch(/\.webp$/);
        expect(bytes.includes(PAYLOAD)).toBe(false);
      }
      const document = await storeDocumentUpload(uploadDir, fileOf(carrier, `scan.${format}`, `image/${format}`));
      expect(document.contentType).toBe('image/webp');
      expect(fs.readFileSync(path.join(uploadDir, 'private', document.path)).includes(PAYLOAD)).toBe(false);
    }
  });
});
