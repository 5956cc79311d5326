import { parseMultipartOr400, UploadError } from '~/utils/uploads.server';

const TEXT_PART_MAX_BYTES = 64 * 1024;
const OVERHEAD_BYTES = 256 * 1024;

export interface ReportFormData {
  formData: FormData;
  /** Names of the files chosen (kept or not), to ask for them again when the form comes back. */
  chosenFiles: string[];
  /** Files left out for being too large, or beyond the number allowed. */
  oversizeFiles: string[];
  extraFiles: string[];
}

/**
 * Reads the filing form. Unlike parseMultipartForm, a file over the limit (or one too many) is
 * set aside and noted rather than failing the whole form, so every other value the person typed
 * comes back with the error. Only a body beyond every limit together is refused outright.
 */
export async function readReportForm(request: Request, { maxFileBytes, maxFiles }: { maxFileBytes: number; maxFiles: number }): Promise<ReportFormData> {
  const result: Omit<ReportFormData, 'formData'> = { chosenFiles: [], oversizeFiles: [], extraFiles: [] };
  const maxTotal = maxFileBytes * maxFiles + OVERHEAD_BYTES;
  const declared = Number(request.headers.get('Content-Length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxTotal * 2) throw new UploadError('too_large');
  if (!(request.headers.get('Content-Type') ?? '').startsWith('multipart/form-data')) return { formData: await request.formData(), ...result };
  let total = 0;
  let files = 0;
  const formData = await parseMultipartOr400(request, async ({ filename, contentType, data }) => {
    const isFile = typeof filename === 'string';
    const chunks: Uint8Array[] = [];
    let size = 0;
    let keep = true;
    if (isFile && filename !== '') {
      result.chosenFiles.push(filename);
      if (++files > maxFiles) {
        result.extraFiles.push(filename);
        keep = false;
      }
    }
    for await (const chunk of data) {
      size += chunk.byteLength;
      total += chunk.byteLength;
      // Past twice the allowance the sender is not a person filling a form: stop reading.
      if (total > maxTotal * 2) throw new UploadError('too_large');
      if (!isFile && size > TEXT_PART_MAX_BYTES) throw new UploadError('too_large');
      if (isFile && keep && size > maxFileBytes) {
        result.oversizeFiles.push(filename);
        keep = false;
        chunks.length = 0;
      }
      if (keep) chunks.push(chunk);
    }
    if (!isFile) return Buffer.concat(chunks).toString('utf8');
    if (!keep || filename === '') return undefined;
    // The name and declared type are the browser's word only; storeDocumentUpload decides by content.
    return new File([new Uint8Array(Buffer.concat(chunks))], filename, { type: contentType });
  });
  return { formData, ...result };
}
