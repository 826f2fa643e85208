import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** How to reach MongoDB: either a full URL, or the reference README's MONGO_HOST/USER/PASS. */
export interface MongoSettings {
  /** A full connection string (mongodb:// or mongodb+srv://); wins over `host`. */
  readonly url?: string;
  /** `host:port`, or a comma-separated list of them for a replica set. */
  readonly host?: string;
  readonly user?: string;
  readonly password?: string;
  readonly dbName: string;
  readonly replicaSet?: string;
  readonly authSource?: string;
  /** Driver options for tests (short timeouts) and operators (TLS etc. go in the URL). */
  readonly clientOptions?: MongoClientOptions;
}

export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  /** Where we are connected, without credentials: safe for logs. */
  readonly where: string;
  /** Removes the password (plain and URL-encoded) from a message before it is logged or shown. */
  scrub(text: string): string;
  close(): Promise<void>;
}

/**
 * The password never goes into the connection string we build: it is passed as a driver option,
 * so no URL we log or that an error echoes can carry it. Credentials inside a configured MONGO_URL
 * are stripped from everything we print.
 */
export function mongoClientConfig(settings: MongoSettings): {
  url: string;
  options: MongoClientOptions;
  where: string;
} {
  if (!settings.url && !settings.host)
    throw new AppError('invalid_request', 'MongoDB needs MONGO_URL or MONGO_HOST');
  const url = settings.url ?? `mongodb://${settings.host}/`;
  const options: MongoClientOptions = {
    appName: 'mcp-api',
    ...(settings.user !== undefined
      ? { auth: { username: settings.user, password: settings.password ?? '' } }
      : {}),
    ...(settings.replicaSet ? { replicaSet: settings.replicaSet } : {}),
    ...(settings.authSource ? { authSource: settings.authSource } : {}),
    ...settings.clientOptions,
  };
  return { url, options, where: withoutCredentials(url) };
}

export function withoutCredentials(url: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/i, '$1***@');
}

function scrubber(settings: MongoSettings): (text: string) => string {
  const secrets = new Set<string>();
  const add = (s: string | undefined): void => {
    if (!s) return;
    secrets.add(s);
    secrets.add(encodeURIComponent(s));
  };
  add(settings.password);
  const inUrl = settings.url?.match(/^mongodb(?:\+srv)?:\/\/[^:@/]*:([^@/]*)@/i)?.[1];
  if (inUrl) {
    add(inUrl);
    try {
      add(decodeURIComponent(inUrl));
    } catch {
      // a malformed escape in the URL: the raw form is scrubbed already
    }
  }
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => list.reduce((t, s) => t.split(s).join('***'), withoutCredentials(text));
}

/** Connects (and checks the server answers) or fails with a `store_unavailable` that names no secret. */
export async function connectMongo(settings: MongoSettings, logger: Logger): Promise<MongoConnection> {
  const scrub = scrubber(settings);
  let config: ReturnType<typeof mongoClientConfig>;
  try {
    config = mongoClientConfig(settings);
  } catch (e) {
    throw new AppError(
      'store_unavailable',
      `Invalid MongoDB configuration: ${scrub(e instanceof Error ? e.message : String(e))}`,
    );
  }
  const client = new MongoClient(config.url, config.options);
  try {
    await client.connect();
    await client.db(settings.dbName).command({ ping: 1 });
  } catch (e) {
    await client.close().catch(() => undefined);
    const reason = scrub(e instanceof Error ? e.message : String(e));
    throw new AppError('store_unavailable', `Cannot connect to MongoDB at ${config.where}: ${reason}`);
  }
  logger.info('connected to MongoDB', { where: config.where, db: settings.dbName });
  return { client, db: client.db(settings.dbName), where: config.where, scrub, close: () => client.close() };
}
