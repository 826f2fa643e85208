import { expect } from 'chai';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { packageSettingsFrom } from '../src/runtime/packages/createPackageManager.js';

describe('config: package management', () => {
  it('defaults to <DATA_DIR>/packages with venvs under it, python3, npm, and bounded timeouts', () => {
    const config = loadConfig({});
    expect(config).to.include({
      PACKAGES_DIR: resolve('data', 'packages'),
      PYTHON_VENV_DIR: resolve('data', 'packages', 'python'),
      PYTHON_BIN: 'python3',
      NPM_BIN: 'npm',
      PACKAGE_INSTALL_TIMEOUT_MS: 600_000,
      PACKAGE_CHECK_TIMEOUT_MS: 15_000,
    });
    expect(packageSettingsFrom(config)).to.deep.include({
      npmRoot: `${resolve('data', 'packages')}/npm`,
      venvRoot: resolve('data', 'packages', 'python'),
    });
    expect(packageSettingsFrom(config, 'id-1')).to.deep.include({ owner: 'id-1' });
  });

  it(
    'puts packages under each DATA_DIR, ' +
      'so two gateways with different DATA_DIRs never share them; PACKAGES_DIR still wins',
    () => {
      expect(loadConfig({ DATA_DIR: '/srv/a' }).PACKAGES_DIR).to.equal('/srv/a/packages');
      expect(loadConfig({ DATA_DIR: '/srv/b' }).PYTHON_VENV_DIR).to.equal('/srv/b/packages/python');
      expect(loadConfig({ DATA_DIR: '/srv/a', PACKAGES_DIR: '/opt/pkgs' })).to.include({
        PACKAGES_DIR: '/opt/pkgs',
        PYTHON_VENV_DIR: '/opt/pkgs/python',
      });
    },
  );

  it('takes PYTHON_VENV_DIR, registry and index URLs, and refuses index URLs with credentials or other schemes', () => {
    const config = loadConfig({
      PYTHON_VENV_DIR: '/srv/venvs',
      NPM_REGISTRY: 'http://127.0.0.1:4873/',
      PIP_INDEX_URL: 'https://mirror.example/simple/',
    });
    expect(config).to.include({
      PYTHON_VENV_DIR: '/srv/venvs',
      NPM_REGISTRY: 'http://127.0.0.1:4873/',
      PIP_INDEX_URL: 'https://mirror.example/simple/',
    });
    let message = '';
    try {
      loadConfig({ PIP_INDEX_URL: 'https://user:secret-token@mirror.example/simple' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.contain('PIP_INDEX_URL').and.not.contain('secret-token');
    expect(() => loadConfig({ PIP_EXTRA_INDEX_URL: 'file:///etc' })).to.throw(/PIP_EXTRA_INDEX_URL/);
    expect(() => loadConfig({ PACKAGE_INSTALL_TIMEOUT_MS: '10' })).to.throw(/PACKAGE_INSTALL_TIMEOUT_MS/);
  });
});
