import { expect } from 'chai';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { packageSettingsFrom } from '../src/runtime/packages/createPackageManager.js';

describe('config: package management', () => {
  it('defaults to ./packages with venvs under it, python3, npm, and bounded timeouts', () => {
    const config = loadConfig({});
    expect(config).to.include({
      PACKAGES_DIR: resolve('packages'),
      PYTHON_VENV_DIR: resolve('packages', 'python'),
      PYTHON_BIN: 'python3',
      NPM_BIN: 'npm',
      PACKAGE_INSTALL_TIMEOUT_MS: 600_000,
      PACKAGE_CHECK_TIMEOUT_MS: 15_000,
    });
    expect(packageSettingsFrom(config)).to.deep.include({ npmRoot: `${resolve('packages')}/npm`, venvRoot: resolve('packages', 'python') });
  });

  it('takes PYTHON_VENV_DIR, registry and index URLs, and refuses index URLs with credentials or other schemes', () => {
    const config = loadConfig({ PYTHON_VENV_DIR: '/srv/venvs', NPM_REGISTRY: 'http://127.0.0.1:4873/', PIP_INDEX_URL: 'https://mirror.example/simple/' });
    expect(config).to.include({ PYTHON_VENV_DIR: '/srv/venvs', NPM_REGISTRY: 'http://127.0.0.1:4873/', PIP_INDEX_URL: 'https://mirror.example/simple/' });
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
