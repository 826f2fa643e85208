import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ConfigSchema, eventStoreKind, loadConfig } from '../../src/config.js';

/**
 * There is no Docker engine on these machines, so the deployment files are checked statically:
 * what the compose file passes must be configuration the gateway understands and accepts, and the
 * Dockerfile must keep the properties the README promises.
 */
const read = (path: string): Promise<string> =>
  readFile(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** Docker Compose interpolation of ${VAR}, ${VAR:-default} and ${VAR:?error} with sample values. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z_][A-Z0-9_]*)(?::?([-?])([^}]*))?\}/g,
    (_m, name: string, op?: string, arg?: string) => {
      if (env[name] !== undefined) return env[name] as string;
      if (op === '-') return arg ?? '';
      throw new Error(`compose needs ${name}: ${arg ?? ''}`);
    },
  );
}

describe('deployment files', () => {
  describe('docker-compose.yml', () => {
    it('passes the gateway only variables its config schema knows, and they validate (MongoDB store)', async () => {
      const compose = parse(await read('docker-compose.yml')) as {
        services: Record<string, { environment?: Record<string, string>; command?: string[] }>;
      };
      const env = compose.services['mcp-api']?.environment ?? {};
      const known = Object.keys(ConfigSchema.shape);
      expect(
        Object.keys(env).filter((k) => !known.includes(k)),
        'variables the gateway would ignore',
      ).to.deep.equal([]);
      const sample = {
        MONGO_PASS: 'sample-password',
        SECRETS_KEY: 'sample secrets key material 0123456789abc',
        ADMIN_TOKEN: 'sample-admin-token-0123456789abcdefghij',
      };
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, interpolate(String(v), sample)]),
      );
      const config = loadConfig(resolved);
      expect(eventStoreKind(config)).to.equal('mongo');
      expect(config.HOST).to.equal('0.0.0.0');
      expect(config.MONGO_REPLICA_SET).to.equal('rs0');
    });

    it('refuses to start without the secrets it needs', async () => {
      const compose = parse(await read('docker-compose.yml')) as {
        services: Record<string, { environment: Record<string, string> }>;
      };
      const env = compose.services['mcp-api']!.environment;
      expect(() => interpolate(String(env.SECRETS_KEY), {})).to.throw(/SECRETS_KEY/);
      expect(() => interpolate(String(env.ADMIN_TOKEN), {})).to.throw(/ADMIN_TOKEN/);
    });

    it('runs MongoDB as a single-node replica set (majority writes need one)', async () => {
      const compose = parse(await read('docker-compose.yml')) as {
        services: Record<string, { command?: string[]; healthcheck?: { test: string } }>;
      };
      expect(compose.services.mongo?.command).to.include('--replSet');
      expect(String(compose.services.mongo?.healthcheck?.test)).to.contain('rs.initiate');
    });
  });

  describe('Dockerfile', () => {
    it('is multi-stage, runs as a non-root user, has Python venv, a HEALTHCHECK and volumes', async () => {
      const dockerfile = await read('Dockerfile');
      expect(dockerfile.match(/^FROM /gm)).to.have.length.of.at.least(2);
      const user = /^USER (\S+)/m.exec(dockerfile)?.[1];
      expect(user).to.be.a('string').and.not.equal('root');
      expect(dockerfile).to.match(/python3-venv/);
      expect(dockerfile).to.match(/^HEALTHCHECK .*\n?.*\/healthz/m);
      expect(dockerfile).to.match(/^VOLUME \["\/data", "\/packages"\]/m);
    });

    it('has a .dockerignore that keeps .env files and local data out of the image', async () => {
      const ignore = (await read('.dockerignore')).split('\n').map((l) => l.trim());
      expect(ignore).to.include.members(['.env', '.env.*', 'data/', 'packages/', 'node_modules/']);
    });
  });
});
