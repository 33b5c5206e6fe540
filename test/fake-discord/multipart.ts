// Reads a request body the way Discord does: JSON, or multipart/form-data with `payload_json` and `files[n]`.
// Multipart parsing is undici's (Node's own fetch Request.formData), not hand-rolled.

export interface UploadedFile {
  /** The form field name, e.g. `files[0]`. */
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly data: Uint8Array;
}

export interface ParsedBody {
  readonly json: unknown;
  readonly files: readonly UploadedFile[];
}

export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    let json: unknown;
    const files: UploadedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = JSON.parse(value);
        continue;
      }
      files.push({
        field,
        filename: value.name,
        contentType: value.type,
        data: new Uint8Array(await value.arrayBuffer()),
      });
    }
    return { json, files };
  }
  const text = raw.toString('utf8');
  return { json: text === '' ? undefined : JSON.parse(text), files: [] };
}
