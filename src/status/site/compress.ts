import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

// Each file is compressed once, when it is generated: serving then only picks the right bytes
// (no compression per request), and a traffic spike costs no CPU. Brotli's best quality costs
// about 10 ms even for a tiny file, which over a thousand incident pages is seconds; it is kept
// for the large pages everyone loads (home, JSON, feeds), and quality 6 (7 % larger, a hundred
// times faster) serves the many small ones.

const BEST_QUALITY_FROM_BYTES = 8_192;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface Compressed {
  gzip?: Buffer;
  brotli?: Buffer;
}

/** Gzip and brotli variants, each only when it is smaller than the file itself. */
export async function compressVariants(content: Buffer): Promise<Compressed> {
  if (content.length < 200) return {};
  const [gz, br] = await Promise.all([
    gzipAsync(content, { level: 9 }),
    brotli(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: content.length >= BEST_QUALITY_FROM_BYTES ? 11 : 6,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    }),
  ]);
  return {
    ...(gz.length < content.length ? { gzip: gz } : {}),
    ...(br.length < content.length ? { brotli: br } : {}),
  };
}
