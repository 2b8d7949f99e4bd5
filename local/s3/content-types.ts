/**
 * The content type `aws s3 sync` gives a file, as the AWS CLI guesses it (Python's
 * `mimetypes` table) from the extension; undefined when it knows none, and S3 then stores
 * the object as `binary/octet-stream`.
 */
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript',
  json: 'application/json',
  txt: 'text/plain',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  md: 'text/markdown',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/vnd.microsoft.icon',
  pdf: 'application/pdf',
  zip: 'application/zip',
  wasm: 'application/wasm',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  wav: 'audio/x-wav',
};

export function contentTypeOf(key: string): string | undefined {
  const dot = key.lastIndexOf('.');
  return dot < 0 || dot < key.lastIndexOf('/') ? undefined : TYPES[key.slice(dot + 1).toLowerCase()];
}
