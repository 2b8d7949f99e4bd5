/** A key as S3 URL-encodes it, for `encoding-type=url` listings and in event notifications (spaces as `+`, slashes kept). */
export function urlEncodeKey(text: string): string {
  return encodeURIComponent(text)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
