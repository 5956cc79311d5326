/**
 * Uploaded files on local disk under UPLOAD_DIR.
 *
 * - `public/<folder>/…` is served as static files at /uploads (server.js): product images only.
 * - `private/<folder>/…` is never served directly; routes that check access read it with
 *   `readPrivateUpload` (GI authorization evidence, report attachments).
 *
 * A file's kind is decided by its first bytes, never by its name or declared type. Images are
 * decoded and re-encoded by sharp (rotated by EXIF, metadata stripped), so what we store is
 * pixels we produced, not the uploader's bytes. Names are random and chosen here.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { unstable_parseMultipartFormData, type UploadHandler } from '@remix-run/node';
import sharp from 'sharp';

export type UploadErrorCode = 'too_large' | 'unsupported_type' | 'empty' | 'corrupt';

export class UploadError extends Error {
  constructor(
    public readonly code: UploadErrorCode,
    message: string = code,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

export const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
export const DOCUMENT_MAX_BYTES = 10 * 1024 * 1024;
/** Web sizes of a public image, largest first; the largest is the image's `path`. */
export const IMAGE_WIDTHS = [1200, 400] as const;
/** Documents stay legible (a scanned licence) without keeping a camera's full resolution. */
const DOCUMENT_IMAGE_MAX_SIDE = 2400;
/** Refuses decompression bombs: a few KB of PNG can claim billions of pixels. */
const MAX_INPUT_PIXELS = 50_000_000;
const WEBP_QUALITY = 82;

type SniffedKind = 'image/jpeg' | 'image/png' | 'image/webp' | 'application/pdf';

/** The kind of file by its signature (magic bytes), or null for anything else (SVG, HTML, text…). */
export function sniffFileKind(bytes: Uint8Array): SniffedKind | null {
  const starts = (signature: number[], offset = 0) => signature.every((b, i) => bytes[offset + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  // RIFF <size> WEBP
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  return null;
}

const FOLDER_PATTERN = /^[a-z0-9][a-z0-9_-]*(?:\/[a-z0-9][a-z0-9_-]*)*$/;

function checkFolder(folder: string): string {
  if (!FOLDER_PATTERN.test(folder)) throw new Error(`Invalid upload folder: ${folder}`);
  return folder;
}

async function readUpload(file: File | Blob, maxBytes: number): Promise<Buffer> {
  if (file.size > maxBytes) throw new UploadError('too_large');
  if (file.size === 0) throw new UploadError('empty');
  const bytes = Buffer.from(await file.arrayBuffer());
  // Blob.size is trusted for the early refusal; the bytes read decide.
  if (bytes.length > maxBytes) throw new UploadError('too_large');
  if (bytes.length === 0) throw new UploadError('empty');
  return bytes;
}

function decoder(bytes: Buffer) {
  return sharp(bytes, { autoOrient: true, failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, animated: false });
}

async function encodeWebp(bytes: Buffer, maxWidth: number, maxHeight?: number) {
  try {
    // Without withMetadata() sharp writes no EXIF, XMP or ICC beyond sRGB: GPS positions go.
    return await decoder(bytes)
      .resize({ width: maxWidth, height: maxHeight, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: WEBP_QUALITY })
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw new UploadError('corrupt');
  }
}

async function writeNew(root: string, relativePath: string, bytes: Buffer): Promise<void> {
  const full = path.join(root, relativePath);
  await fs.mkdir(path.dirname(full), { recursive: true });
  // 'wx': never overwrite, even if a random name were to repeat.
  await fs.writeFile(full, bytes, { flag: 'wx', mode: 0o644 });
}

export interface StoredImage {
  /** Path of the largest size, relative to `uploadDir/public` (served at /uploads/<path>). */
  path: string;
  width: number;
  height: number;
  /** Every stored size, largest first (the first is `path`). */
  variants: { path: string; width: number }[];
}

/**
 * Stores a JPEG, PNG or WebP as WebP at the web sizes (IMAGE_WIDTHS) under
 * `uploadDir/public/<folder>` (default folder `images`, default limit 5 MB).
 * Throws UploadError: too_large, empty, unsupported_type (by content), corrupt (does not decode).
 */
export async function storeImageUpload(
  uploadDir: string,
  file: File | Blob,
  options: { folder?: string; maxBytes?: number } = {},
): Promise<StoredImage> {
  const folder = checkFolder(options.folder ?? 'images');
  const bytes = await readUpload(file, options.maxBytes ?? IMAGE_MAX_BYTES);
  const kind = sniffFileKind(bytes);
  if (kind === null || kind === 'application/pdf') throw new UploadError('unsupported_type');

  const encoded = await Promise.all(IMAGE_WIDTHS.map((width) => encodeWebp(bytes, width)));
  const root = path.join(uploadDir, 'public');
  const name = crypto.randomUUID();
  const variants: StoredImage['variants'] = [];
  const written: string[] = [];
  try {
    for (const [index, { data, info }] of encoded.entries()) {
      const relativePath = `${folder}/${index === 0 ? name : `${name}-${IMAGE_WIDTHS[index]}w`}.webp`;
      await writeNew(root, relativePath, data);
      written.push(relativePath);
      variants.push({ path: relativePath, width: info.width });
    }
  } catch (error) {
    await Promise.all(written.map((p) => fs.rm(path.join(root, p), { force: true })));
    throw error;
  }
  const largest = encoded[0]!.info;
  return { path: variants[0]!.path, width: largest.width, height: largest.height, variants };
}

/** Deletes a stored public image and its other sizes; missing files are fine. */
export async function deleteImageUpload(uploadDir: string, imagePath: string): Promise<void> {
  const root = path.join(uploadDir, 'public');
  const full = resolveInside(root, imagePath);
  if (!full) return;
  const base = full.replace(/\.webp$/, '');
  await Promise.all([full, ...IMAGE_WIDTHS.slice(1).map((w) => `${base}-${w}w.webp`)].map((p) => fs.rm(p, { force: true })));
}

/** The path of a stored public image at one of its other sizes (see storeImageUpload). */
export function imageVariantPath(imagePath: string, width: (typeof IMAGE_WIDTHS)[number]): string {
  return width === IMAGE_WIDTHS[0] ? imagePath : imagePath.replace(/\.webp$/, `-${width}w.webp`);
}

export interface StoredDocument {
  /** Relative to `uploadDir/private`; read it back with readPrivateUpload. */
  path: string;
  contentType: 'application/pdf' | 'image/webp';
  size: number;
}

/**
 * Stores a private document under `uploadDir/private/<folder>` (default folder `documents`,
 * default limit 10 MB): a PDF as sent (by its %PDF- signature), a JPEG/PNG/WebP re-encoded as
 * WebP. Everything else (SVG, HTML, Office files, text) is refused with UploadError.
 */
export async function storeDocumentUpload(
  uploadDir: string,
  file: File | Blob,
  options: { folder?: string; maxBytes?: number } = {},
): Promise<StoredDocument> {
  const folder = checkFolder(options.folder ?? 'documents');
  const bytes = await readUpload(file, options.maxBytes ?? DOCUMENT_MAX_BYTES);
  const kind = sniffFileKind(bytes);
  if (kind === null) throw new UploadError('unsupported_type');
  const root = path.join(uploadDir, 'private');
  const name = crypto.randomUUID();
  if (kind === 'application/pdf') {
    const relativePath = `${folder}/${name}.pdf`;
    await writeNew(root, relativePath, bytes);
    return { path: relativePath, contentType: 'application/pdf', size: bytes.length };
  }
  const { data } = await encodeWebp(bytes, DOCUMENT_IMAGE_MAX_SIDE, DOCUMENT_IMAGE_MAX_SIDE);
  const relativePath = `${folder}/${name}.webp`;
  await writeNew(root, relativePath, data);
  return { path: relativePath, contentType: 'image/webp', size: data.length };
}

const STORED_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:-\d+w)?\.(pdf|webp)$/;

/** The absolute path of `relativePath` inside `root`, or null if it would leave it. */
function resolveInside(root: string, relativePath: string): string | null {
  if (typeof relativePath !== 'string' || relativePath.includes('\0') || path.isAbsolute(relativePath)) return null;
  const resolvedRoot = path.resolve(root);
  const full = path.resolve(resolvedRoot, relativePath);
  return full.startsWith(resolvedRoot + path.sep) ? full : null;
}

export interface PrivateUpload {
  body: Buffer;
  contentType: 'application/pdf' | 'image/webp';
  size: number;
}

/**
 * Reads a private upload for a route that has already checked access. Returns null for a
 * missing file and for any path this module did not produce (traversal, absolute paths, other
 * names), so a route answers both with 404.
 */
export async function readPrivateUpload(uploadDir: string, relativePath: string): Promise<PrivateUpload | null> {
  const parts = typeof relativePath === 'string' ? relativePath.split('/') : [];
  const fileName = parts.at(-1) ?? '';
  const match = STORED_NAME.exec(fileName);
  if (!match || !FOLDER_PATTERN.test(parts.slice(0, -1).join('/'))) return null;
  const full = resolveInside(path.join(uploadDir, 'private'), relativePath);
  if (!full) return null;
  try {
    const body = await fs.readFile(full);
    return { body, contentType: match[1] === 'pdf' ? 'application/pdf' : 'image/webp', size: body.length };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Room for the other fields and the multipart framing around the files. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const TEXT_PART_MAX_BYTES = 64 * 1024;

/**
 * Reads a form that may carry files, holding them in memory. Refuses with UploadError
 * 'too_large' (before reading the rest) a body whose declared length, any file, or the total
 * exceeds the limits, so an oversize upload becomes a form error, not a 500. A urlencoded body
 * is read as usual.
 */
export async function parseMultipartForm(
  request: Request,
  { maxFileBytes, maxFiles = 1 }: { maxFileBytes: number; maxFiles?: number },
): Promise<FormData> {
  const maxTotal = maxFileBytes * maxFiles + MULTIPART_OVERHEAD_BYTES;
  const declared = Number(request.headers.get('Content-Length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxTotal) throw new UploadError('too_large');
  const contentType = request.headers.get('Content-Type') ?? '';
  if (!contentType.startsWith('multipart/form-data')) return request.formData();
  let total = 0;
  let files = 0;
  return parseMultipartOr400(request, async ({ filename, contentType: partType, data }) => {
    const isFile = typeof filename === 'string';
    if (isFile && ++files > maxFiles) throw new UploadError('too_large');
    const limit = isFile ? maxFileBytes : TEXT_PART_MAX_BYTES;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of data) {
      size += chunk.byteLength;
      total += chunk.byteLength;
      if (size > limit || total > maxTotal) throw new UploadError('too_large');
      chunks.push(chunk);
    }
    // The browser's file name and type are kept only as the File's; nothing downstream trusts them.
    const bytes = Buffer.concat(chunks);
    return isFile ? new File([new Uint8Array(bytes)], filename, { type: partType }) : bytes.toString('utf8');
  });
}

/**
 * unstable_parseMultipartFormData, answering 400 for a body it cannot parse (a part with an empty
 * name or a `;` or `=` in it makes the parser throw); our own UploadErrors pass through.
 */
export async function parseMultipartOr400(request: Request, handler: UploadHandler): Promise<FormData> {
  try {
    return await unstable_parseMultipartFormData(request, handler);
  } catch (error) {
    if (error instanceof UploadError || error instanceof Response) throw error;
    throw new Response('Malformed form data', { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
}
