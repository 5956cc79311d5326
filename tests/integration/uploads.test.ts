import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  IMAGE_WIDTHS,
  deleteImageUpload,
  imageVariantPath,
  parseMultipartForm,
  readPrivateUpload,
  sniffFileKind,
  storeDocumentUpload,
  storeImageUpload,
  UploadError,
} from '~/utils/uploads.server';
import { fileOf, HTML_DOCUMENT, makeImage, makeJpegWithExif, MINIMAL_PDF, oversizeJpegLike, SVG_DOCUMENT } from '../fixtures/images';

let uploadDir: string;
beforeEach(() => {
  uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-uploads-'));
});

async function uploadErrorCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UploadError);
  return (error as UploadError).code;
}

const UUID_WEBP = /^products\/[0-9a-f-]{36}\.webp$/;

describe('public image uploads', () => {
  for (const format of ['jpeg', 'png', 'webp'] as const) {
    it(`stores a ${format} re-encoded as WebP at 1200 and 400 pixels wide`, async () => {
      const stored = await storeImageUpload(uploadDir, fileOf(await makeImage(format), `photo.${format}`, `image/${format}`), { folder: 'products' });
      expect(stored.path).toMatch(UUID_WEBP);
      expect(stored.variants.map((v) => v.width)).toEqual([...IMAGE_WIDTHS]);
      expect(stored.variants[0]!.path).toBe(stored.path);
      expect(stored.variants[1]!.path).toBe(imageVariantPath(stored.path, 400));
      expect([stored.width, stored.height]).toEqual([1200, 750]);
      for (const variant of stored.variants) {
        const meta = await sharp(path.join(uploadDir, 'public', variant.path)).metadata();
        expect(meta.format).toBe('webp');
        expect(meta.width).toBe(variant.width);
      }
    });
  }

  it('never keeps the uploader file name', async () => {
    const stored = await storeImageUpload(uploadDir, fileOf(await makeImage('png'), '../../etc/橙子.png', 'image/png'), { folder: 'products' });
    expect(stored.path).not.toContain('橙子');
    expect(stored.path).toMatch(UUID_WEBP);
  });

  it('accepts a PNG renamed .jpg with a JPEG type, judged by content', async () => {
    const stored = await storeImageUpload(uploadDir, fileOf(await makeImage('png'), 'photo.jpg', 'image/jpeg'));
    expect(stored.path).toMatch(/^images\/[0-9a-f-]{36}\.webp$/);
  });

  it('never upscales a small image', async () => {
    const stored = await storeImageUpload(uploadDir, fileOf(await makeImage('jpeg', { width: 300, height: 200 }), 'small.jpg', 'image/jpeg'));
    expect(stored.variants.map((v) => v.width)).toEqual([300, 300]);
  });

  it('rotates by the EXIF orientation and strips EXIF', async () => {
    const rotated = await storeImageUpload(uploadDir, fileOf(await makeImage('jpeg', { width: 800, height: 600, orientation: 6 }), 'a.jpg', 'image/jpeg'));
    expect([rotated.width, rotated.height]).toEqual([600, 800]);
    const stored = await storeImageUpload(uploadDir, fileOf(await makeJpegWithExif(), 'b.jpg', 'image/jpeg'));
    const meta = await sharp(path.join(uploadDir, 'public', stored.path)).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(fs.readFileSync(path.join(uploadDir, 'public', stored.path)).includes('DibiaoTestCamera')).toBe(false);
  });

  it('refuses HTML, SVG and text named .jpg', async () => {
    for (const content of [HTML_DOCUMENT, SVG_DOCUMENT, 'just some text']) {
      expect(await uploadErrorCode(storeImageUpload(uploadDir, fileOf(content, 'photo.jpg', 'image/jpeg')))).toBe('unsupported_type');
    }
    expect(fs.existsSync(path.join(uploadDir, 'public'))).toBe(false);
  });

  it('refuses a PDF as an image', async () => {
    expect(await uploadErrorCode(storeImageUpload(uploadDir, fileOf(MINIMAL_PDF, 'a.jpg', 'image/jpeg')))).toBe('unsupported_type');
  });

  it('refuses more than 5 MB before decoding', async () => {
    const file = fileOf(oversizeJpegLike(5 * 1024 * 1024 + 1), 'big.jpg', 'image/jpeg');
    expect(await uploadErrorCode(storeImageUpload(uploadDir, file))).toBe('too_large');
  });

  it('refuses an empty file and a JPEG that does not decode', async () => {
    expect(await uploadErrorCode(storeImageUpload(uploadDir, fileOf('', 'a.jpg', 'image/jpeg')))).toBe('empty');
    const truncated = (await makeImage('jpeg')).subarray(0, 200);
    expect(await uploadErrorCode(storeImageUpload(uploadDir, fileOf(truncated, 'a.jpg', 'image/jpeg')))).toBe('corrupt');
  });

  it('deletes every size of an image', async () => {
    const stored = await storeImageUpload(uploadDir, fileOf(await makeImage('jpeg'), 'a.jpg', 'image/jpeg'), { folder: 'products' });
    await deleteImageUpload(uploadDir, stored.path);
    for (const variant of stored.variants) expect(fs.existsSync(path.join(uploadDir, 'public', variant.path))).toBe(false);
  });

  it('refuses a folder that could leave the upload directory', async () => {
    await expect(storeImageUpload(uploadDir, fileOf(await makeImage('png'), 'a.png', 'image/png'), { folder: '../outside' })).rejects.toThrow(/folder/);
  });
});

describe('private document uploads', () => {
  it('stores a PDF privately and reads it back', async () => {
    const stored = await storeDocumentUpload(uploadDir, fileOf(MINIMAL_PDF, 'licence.png', 'image/png'), { folder: 'evidence' });
    expect(stored).toMatchObject({ contentType: 'application/pdf', size: Buffer.byteLength(MINIMAL_PDF) });
    expect(stored.path).toMatch(/^evidence\/[0-9a-f-]{36}\.pdf$/);
    expect(fs.existsSync(path.join(uploadDir, 'private', stored.path))).toBe(true);
    const read = await readPrivateUpload(uploadDir, stored.path);
    expect(read?.contentType).toBe('application/pdf');
    expect(read?.body.toString()).toBe(MINIMAL_PDF);
  });

  it('re-encodes an image document as WebP', async () => {
    const stored = await storeDocumentUpload(uploadDir, fileOf(await makeImage('jpeg'), 'scan.jpg', 'image/jpeg'));
    expect(stored.contentType).toBe('image/webp');
    expect(stored.path).toMatch(/^documents\/[0-9a-f-]{36}\.webp$/);
    expect((await sharp((await readPrivateUpload(uploadDir, stored.path))!.body).metadata()).format).toBe('webp');
  });

  it('refuses SVG, HTML and anything else', async () => {
    for (const content of [SVG_DOCUMENT, HTML_DOCUMENT, 'PK\u0003\u0004 not a pdf']) {
      expect(await uploadErrorCode(storeDocumentUpload(uploadDir, fileOf(content, 'doc.pdf', 'application/pdf')))).toBe('unsupported_type');
    }
  });

  it('refuses more than 10 MB by default and honours a smaller limit', async () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(10 * 1024 * 1024)]);
    expect(await uploadErrorCode(storeDocumentUpload(uploadDir, fileOf(big, 'a.pdf', 'application/pdf')))).toBe('too_large');
    expect(await uploadErrorCode(storeDocumentUpload(uploadDir, fileOf(MINIMAL_PDF, 'a.pdf', 'application/pdf'), { maxBytes: 10 }))).toBe('too_large');
  });

  it('refuses path traversal and names it did not choose', async () => {
    fs.mkdirSync(path.join(uploadDir, 'public'), { recursive: true });
    fs.writeFileSync(path.join(uploadDir, 'secret.pdf'), MINIMAL_PDF);
    const stored = await storeDocumentUpload(uploadDir, fileOf(MINIMAL_PDF, 'a.pdf', 'application/pdf'));
    const name = path.basename(stored.path);
    for (const attempt of ['../secret.pdf', `../private/${stored.path}`, `documents/../../secret.pdf`, `/${stored.path}`, path.join(uploadDir, 'private', stored.path), `documents/${name}\0.png`, 'documents/secret.pdf']) {
      expect(await readPrivateUpload(uploadDir, attempt)).toBeNull();
    }
    expect(await readPrivateUpload(uploadDir, `documents/${crypto.randomUUID()}.pdf`)).toBeNull();
  });
});

describe('reading multipart forms', () => {
  const multipart = (form: FormData) => new Request('http://localhost/upload', { method: 'POST', body: form });

  it('reads fields and a file within the limits', async () => {
    const form = new FormData();
    form.set('intent', 'upload');
    form.set('image', fileOf(await makeImage('png', { width: 50, height: 50 }), 'a.png', 'image/png'));
    const parsed = await parseMultipartForm(multipart(form), { maxFileBytes: 1024 * 1024 });
    expect(parsed.get('intent')).toBe('upload');
    expect(parsed.get('image')).toBeInstanceOf(File);
  });

  it('refuses an oversize file as too_large, also without a Content-Length', async () => {
    const form = new FormData();
    form.set('image', fileOf(oversizeJpegLike(300 * 1024), 'a.jpg', 'image/jpeg'));
    const withLength = multipart(form);
    expect(await uploadErrorCode(parseMultipartForm(withLength, { maxFileBytes: 100 * 1024 }))).toBe('too_large');
    const response = new Response(form);
    const streamed = new Request('http://localhost/upload', {
      method: 'POST',
      body: response.body,
      headers: { 'Content-Type': response.headers.get('Content-Type')! },
      duplex: 'half',
    } as RequestInit);
    expect(streamed.headers.get('Content-Length')).toBeNull();
    expect(await uploadErrorCode(parseMultipartForm(streamed, { maxFileBytes: 100 * 1024 }))).toBe('too_large');
  });

  it('refuses more files than allowed', async () => {
    const form = new FormData();
    form.append('image', fileOf('a', 'a.jpg', 'image/jpeg'));
    form.append('image', fileOf('b', 'b.jpg', 'image/jpeg'));
    expect(await uploadErrorCode(parseMultipartForm(multipart(form), { maxFileBytes: 1024 }))).toBe('too_large');
  });

  it('knows files by their signature', () => {
    expect(sniffFileKind(Buffer.from('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffFileKind(Buffer.from('<?xml version="1.0"?><svg/>'))).toBeNull();
    expect(sniffFileKind(Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEfmt '))).toBeNull();
  });
});
