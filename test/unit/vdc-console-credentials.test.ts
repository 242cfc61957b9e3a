import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialStore, defaultConfigDir, type Keychain } from '../../common/cli/credentials.js';

const TOKEN = `qxa_${'A'.repeat(43)}`;
const SERVER = '127.0.0.1:9443';

// This machine has no reachable OS keychain, so its behaviours are stood in for here.
function memoryKeychain(): Keychain & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getPassword: async (s, a) => data.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => void data.set(`${s}/${a}`, p),
    deletePassword: async (s, a) => data.delete(`${s}/${a}`),
  };
}
const throwingKeychain: Keychain = {
  getPassword: async () => {
    throw new Error("Couldn't access platform storage: AccessDenied");
  },
  setPassword: async () => {
    throw new Error("Couldn't access platform storage: AccessDenied");
  },
  deletePassword: async () => {
    throw new Error("Couldn't access platform storage: AccessDenied");
  },
};
const forgetfulKeychain: Keychain = {
  getPassword: async () => null,
  setPassword: async () => {},
  deletePassword: async () => false,
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-cred-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('credential store', () => {
  it('stores in the keychain when it works, and no file holds the token', async () => {
    const kc = memoryKeychain();
    const store = createCredentialStore({ configDir: dir, keychain: async () => kc });
    const where = await store.saveToken(SERVER, TOKEN);
    expect(where).toMatchObject({ kind: 'keychain', keychainProblem: null });
    expect(where.location).toContain('quantix-vdc-console');
    expect(await store.loadToken(SERVER)).toBe(TOKEN);
    expect(fs.existsSync(store.paths.credentials)).toBe(false);
  });

  it.each<[string, () => Promise<Keychain | null>, RegExp]>([
    // The keychain throws (no desktop session, no D-Bus): the file takes the token and the reason is kept.
    ['throws', async () => throwingKeychain, /AccessDenied/],
    // The keychain accepts the write but returns nothing: not trusted.
    ['returns null', async () => forgetfulKeychain, /did not return/],
    // The native module cannot be loaded at all.
    ['missing', async () => null, /could not be loaded/],
  ])('falls back to a 0600 file when the keychain %s', async (_name, keychain, why) => {
    const store = createCredentialStore({ configDir: path.join(dir, 'nested', 'cfg'), keychain });
    const where = await store.saveToken(SERVER, TOKEN);
    expect(where.kind).toBe('file');
    expect(where.location).toBe(store.paths.credentials);
    expect(where.keychainProblem).toMatch(why);
    expect(fs.statSync(store.paths.credentials).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(store.paths.credentials)).mode & 0o777).toBe(0o700);
    expect(await store.loadToken(SERVER)).toBe(TOKEN);
    expect(await store.removeToken(SERVER)).toBe(true);
    expect(await store.loadToken(SERVER)).toBeNull();
  });

  it('pins servers and forgets them', () => {
    const store = createCredentialStore({
      configDir: dir,
      keychain: async () => null,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    expect(store.server(SERVER)).toBeNull();
    store.saveServer({ server: SERVER, fingerprint: 'ab'.repeat(32), tokenStore: 'file' });
    expect(store.server(SERVER)).toEqual({
      server: SERVER,
      fingerprint: 'ab'.repeat(32),
      tokenStore: 'file',
      savedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(fs.readFileSync(store.paths.servers, 'utf8')).not.toContain('qxa_');
    expect(store.removeServer(SERVER)).toBe(true);
    expect(store.server(SERVER)).toBeNull();
  });

  it('a token moved into a working keychain leaves the file', async () => {
    const fileStore = createCredentialStore({ configDir: dir, keychain: async () => null });
    await fileStore.saveToken(SERVER, TOKEN);
    const kcStore = createCredentialStore({ configDir: dir, keychain: async () => memoryKeychain() });
    expect((await kcStore.saveToken(SERVER, TOKEN)).kind).toBe('keychain');
    expect(fs.readFileSync(kcStore.paths.credentials, 'utf8')).not.toContain(TOKEN);
  });

  it('config dir follows XDG_CONFIG_HOME, else ~/.config', () => {
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/x' }, '/home/a')).toBe('/x/quantix/vdc-console');
    expect(defaultConfigDir({}, '/home/a')).toBe('/home/a/.config/quantix/vdc-console');
    // A relative XDG path is ignored, as the spec says.
    expect(defaultConfigDir({ XDG_CONFIG_HOME: 'rel' }, '/home/a')).toBe('/home/a/.config/quantix/vdc-console');
  });
});
