import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  access,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
  constants,
  type FileHandle,
} from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidInput, StorageObjectNotFound, StorageUnavailable } from '../common/domain.errors';
import type { FsStorageConfig } from '../config';
import { OpenedObject, ReportStorage, StoredObject, WriteOptions } from './report-storage';
import { assertStorageKey } from './storage-key';

const TEMP_SUFFIX = '.partial';
/** An object's metadata lives beside it in `<file>.meta.json`; listings never name these. */
const META_SUFFIX = '.meta.json';

/**
 * The embedded driver: objects are files under one root folder. Writes go to a temp file in the target
 * folder and are renamed into place, so readers never see half a PDF. Metadata (what rendered it) is a
 * sidecar JSON file beside the object, written before it and deleted with it.
 */
export class FsReportStorage extends ReportStorage {
  readonly driver = 'fs';
  private readonly root: string;

  constructor(config: Pick<FsStorageConfig, 'dir'>) {
    super();
    this.root = resolve(config.dir);
  }

  async stat(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? storedObject(info, await readMetadata(path)) : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StorageUnavailable('stat', { cause: error });
    }
  }

  async open(key: string): Promise<OpenedObject | null> {
    const path = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StorageUnavailable('read', { cause: error });
    }
    try {
      // Facts and bytes from one handle: a rename in between cannot pair one version's size with another's bytes.
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return null;
      }
      return { object: storedObject(info, await readMetadata(path)), body: handle.createReadStream() };
    } catch (error) {
      await handle.close();
      throw new StorageUnavailable('read', { cause: error });
    }
  }

  async read(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const stream = createReadStream(path);
    // Surface "missing" before handing out the stream, so callers can answer 404 rather than a broken body.
    await new Promise<void>((done, fail) => {
      stream.once('open', () => done());
      stream.once('error', (error) => fail(isMissing(error) ? new StorageObjectNotFound(key) : error));
    }).catch((error: unknown) => {
      stream.destroy();
      throw error instanceof StorageObjectNotFound ? error : new StorageUnavailable('read', { cause: error });
    });
    return stream;
  }

  async write(key: string, bytes: Uint8Array, options: WriteOptions): Promise<StoredObject> {
    const path = this.pathOf(key);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeWhole(`${path}${META_SUFFIX}`, JSON.stringify(options.metadata ?? {}));
      await writeWhole(path, bytes);
    } catch (error) {
      throw new StorageUnavailable('write', { cause: error });
    }
    const stored = await this.stat(key);
    if (!stored) throw new StorageUnavailable('write', { cause: new Error(`${key} vanished after rename`) });
    return stored;
  }

  async delete(key: string): Promise<void> {
    try {
      const path = this.pathOf(key);
      await rm(path, { force: true });
      await rm(`${path}${META_SUFFIX}`, { force: true });
    } catch (error) {
      throw new StorageUnavailable('delete', { cause: error });
    }
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    for (const key of keys) await this.delete(key);
    return keys.length;
  }

  presign(): Promise<string> {
    // Config refuses HIT_DELIVERY=redirect with this driver; reaching here is a wiring mistake.
    return Promise.reject(new Error('the fs driver cannot presign URLs'));
  }

  async list(prefix: string): Promise<string[]> {
    assertStorageKey(prefix, { prefix: true });
    const keys: string[] = [];
    // Only the prefix's own folder is walked: a class status must not read every other class's reports.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    try {
      await this.collect(join(this.root, ...folder.split('/').filter(Boolean)), keys);
    } catch (error) {
      if (isMissing(error)) return [];
      throw new StorageUnavailable('list', { cause: error });
    }
    return keys.filter((key) => key.startsWith(prefix));
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
    } catch (error) {
      throw new StorageUnavailable('ping', { cause: error });
    }
  }

  private async collect(folder: string, keys: string[]): Promise<void> {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await this.collect(path, keys);
      else if (entry.isFile() && !entry.name.endsWith(TEMP_SUFFIX) && !entry.name.endsWith(META_SUFFIX)) {
        keys.push(relative(this.root, path).split(sep).join('/'));
      }
    }
  }

  private pathOf(key: string): string {
    assertStorageKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep))
      throw new InvalidInput('key', `escapes the storage folder: "${key}"`);
    return path;
  }
}

/** The etag is size and modification time, like most file servers': a rewrite changes it. */
function storedObject(info: Stats, metadata: Record<string, string>): StoredObject {
  return {
    size: info.size,
    etag: `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`,
    lastModified: info.mtime,
    metadata,
  };
}

/** Written to a temp file in the same folder and renamed into place: a reader sees all of it or none. */
async function writeWhole(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
  try {
    await writeFile(temp, data, { flush: true });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The sidecar's metadata; none for an object written without it (or before sidecars existed). */
async function readMetadata(path: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(`${path}${META_SUFFIX}`, 'utf8')) as Record<string, string>;
  } catch (error) {
    if (isMissing(error)) return {};
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
