/**
 * RFC 6266: an ASCII `filename` for old clients (anything outside safe characters becomes `_`, so no quote
 * can end it early) and the exact name as UTF-8 in `filename*`.
 */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._@-]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
