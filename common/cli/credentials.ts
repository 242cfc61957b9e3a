/**
 * Where a remote console keeps what it needs to reach a vDC: the pinned
 * certificate fingerprint (not secret, in a small JSON file) and the API
 * token (secret: in the OS keychain through @napi-rs/keyring's
 * keytar-compatible API, or, when no keychain answers, in a file only the
 * user can read). Every save says where the token went, so the operator is
 * never surprised to find it in a file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';

/** Keychain service name under which API tokens are stored (account: `host:port`). */
export const KEYCHAIN_SERVICE = 'quantix-vdc-console';

/** The part of the keytar API the store uses. */
export interface Keychain {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** Where a token ended up. */
export interface TokenLocation {
  kind: 'keychain' | 'file';
  /** Human-readable place: `OS keychain (service …, account …)` or the file path. */
  location: string;
  /** Why the keychain was not used, when it was not. */
  keychainProblem: string | null;
}

/** What is known about one vDC server. */
export interface ServerRecord {
  /** `host:port` (IPv6 in brackets). */
  server: string;
  /** SHA-256 of the vDC's server certificate, lower-case hex. */
  fingerprint: string;
  tokenStore: 'keychain' | 'file';
  savedAt: string;
}

/** Options of createCredentialStore. */
export interface CredentialStoreOptions {
  /** Directory for servers.json and the fallback credentials.json (created 0700). */
  configDir: string;
  /**
   * Loads the keychain; null when there is none. Called at most once, lazily,
   * so a missing native module or an absent desktop session only costs a fallback.
   */
  keychain?: () => Promise<Keychain | null>;
  /** Clock for `savedAt`. */
  now?: () => Date;
}

/** The default configuration directory: `$XDG_CONFIG_HOME/quantix/vdc-console` or `~/.config/quantix/vdc-console`. */
export function defaultConfigDir(
  env: Record<string, string | undefined> = process.env,
  home: string = os.homedir(),
): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(base, 'quantix', 'vdc-console');
}

/** Loads @napi-rs/keyring's keytar-compatible module; null when it cannot be loaded. */
export async function loadSystemKeychain(): Promise<Keychain | null> {
  try {
    const mod = (await import('@napi-rs/keyring/keytar.js')) as unknown as Keychain & { default?: Keychain };
    return mod.default ?? mod;
  } catch {
    return null;
  }
}

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 200);
}

function readJson(file: string): Record<string, unknown> {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The credential store used by `login`, `logout` and every remote command. */
export interface CredentialStore {
  /** Stores the API token for server: the keychain when it works, else the 0600 file. */
  saveToken(server: string, token: string): Promise<TokenLocation>;
  /** The stored API token for server, from the keychain or the file, or null. */
  loadToken(server: string): Promise<string | null>;
  /** Removes the token from both places; true when one was there. */
  removeToken(server: string): Promise<boolean>;
  /** The pinned record for server, or null. */
  server(server: string): ServerRecord | null;
  /** Pins a server's fingerprint and notes where its token lives. */
  saveServer(record: Omit<ServerRecord, 'savedAt'>): ServerRecord;
  /** Forgets a server's pin. */
  removeServer(server: string): boolean;
  /** Paths of the store's files. */
  readonly paths: { servers: string; credentials: string };
}

/** Creates the store over a configuration directory. */
export function createCredentialStore(opts: CredentialStoreOptions): CredentialStore {
  const dir = opts.configDir;
  const serversFile = path.join(dir, 'servers.json');
  const credentialsFile = path.join(dir, 'credentials.json');
  const now = opts.now ?? (() => new Date());
  let keychainPromise: Promise<Keychain | null> | null = null;
  const keychain = () => (keychainPromise ??= (opts.keychain ?? loadSystemKeychain)().catch(() => null));

  const ensureDir = () => {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  };
  const readServers = () => readJson(serversFile) as Record<string, ServerRecord>;
  const readFileTokens = () => readJson(credentialsFile) as Record<string, string>;
  const writeFileTokens = (tokens: Record<string, string>) => {
    ensureDir();
    writeFileAtomic(credentialsFile, `${JSON.stringify(tokens, null, 2)}\n`, 0o600);
    // A file left by an older version may have a wider mode; rename keeps the new file's.
    fs.chmodSync(credentialsFile, 0o600);
  };

  const store: CredentialStore = {
    paths: { servers: serversFile, credentials: credentialsFile },

    async saveToken(server, token) {
      let problem: string;
      const kc = await keychain();
      if (!kc) problem = 'the keychain module could not be loaded';
      else {
        try {
          await kc.setPassword(KEYCHAIN_SERVICE, server, token);
          // Some backends accept a write and then return nothing: only a read-back proves it.
          const back = await kc.getPassword(KEYCHAIN_SERVICE, server);
          if (back === token) {
            const { [server]: stale, ...others } = readFileTokens();
            if (stale !== undefined) writeFileTokens(others);
            return {
              kind: 'keychain',
              location: `OS keychain (service ${KEYCHAIN_SERVICE}, account ${server})`,
              keychainProblem: null,
            };
          }
          problem = 'the keychain did not return the token it was given';
        } catch (err) {
          problem = describe(err);
        }
      }
      const tokens = readFileTokens();
      tokens[server] = token;
      writeFileTokens(tokens);
      return { kind: 'file', location: credentialsFile, keychainProblem: problem };
    },

    async loadToken(server) {
      const rec = readServers()[server];
      if (rec?.tokenStore !== 'file') {
        const kc = await keychain();
        if (kc) {
          try {
            const t = await kc.getPassword(KEYCHAIN_SERVICE, server);
            if (t) return t;
          } catch {
            // Unreachable keychain: the file may still hold it.
          }
        }
      }
      const t = readFileTokens()[server];
      return typeof t === 'string' && t !== '' ? t : null;
    },

    async removeToken(server) {
      let removed = false;
      const kc = await keychain();
      if (kc) {
        try {
          removed = (await kc.deletePassword(KEYCHAIN_SERVICE, server)) || removed;
        } catch {
          // Nothing to remove where nothing is reachable.
        }
      }
      const { [server]: stale, ...others } = readFileTokens();
      if (stale !== undefined) {
        writeFileTokens(others);
        removed = true;
      }
      return removed;
    },

    server(server) {
      const r = readServers()[server];
      return r && typeof r.fingerprint === 'string' ? r : null;
    },

    saveServer(record) {
      const servers = readServers();
      const full: ServerRecord = { ...record, savedAt: now().toISOString() };
      servers[record.server] = full;
      ensureDir();
      writeFileAtomic(serversFile, `${JSON.stringify(servers, null, 2)}\n`, 0o600);
      return full;
    },

    removeServer(server) {
      const { [server]: gone, ...others } = readServers();
      if (gone === undefined) return false;
      ensureDir();
      writeFileAtomic(serversFile, `${JSON.stringify(others, null, 2)}\n`, 0o600);
      return true;
    },
  };
  return store;
}
