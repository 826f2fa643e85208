import { ConfirmButton } from '../components/Confirm.js';
import { InstallForm } from '../components/InstallForm.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';

interface Pkg {
  readonly name: string;
  readonly version?: string;
  readonly latestVersion?: string;
  readonly updateAvailable?: boolean;
  readonly status: string;
  readonly error?: string;
  readonly mcpServerId: string;
  readonly enabled: boolean;
  readonly runtime: string;
}

export function PackagesPage(props: { session: Session }) {
  const { api } = props.session;
  const packages = useLoad(() => api.get<{ packages: Pkg[] }>('/packages').then((r) => r.packages), [api]);
  const action = useAction();
  const act = (what: () => Promise<string>): Promise<void> =>
    action.run(async () => {
      const message = await what();
      packages.reload();
      return message;
    });
  return (
    <section aria-labelledby="packages-title">
      <h1 id="packages-title">Packages</h1>
      <LoadError error={packages.error} />
      <p class="actions">
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            act(async () => {
              const r = await api.get<{ packages: Pkg[] }>('/packages?checkUpdates=true');
              return `Checked for updates: ${r.packages.filter((p) => p.updateAvailable).length} available`;
            })
          }
        >
          Check for updates
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            act(async () => {
              const r = await api.send<{ results: unknown[] }>('PUT', '/packages/upgrade-all');
              return `Upgraded ${r.results.length} packages`;
            })
          }
        >
          Upgrade all
        </button>
      </p>
      <Status message={action.message} error={action.error} />
      {packages.data && packages.data.length === 0 && <p>No packages installed.</p>}
      {packages.data && packages.data.length > 0 && (
        <table>
          <caption>Installed packages</caption>
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Package</th>
              <th scope="col">Version</th>
              <th scope="col">Latest</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {packages.data.map((p) => (
              <tr key={p.mcpServerId} data-package={p.mcpServerId}>
                <th scope="row">
                  <a href={`#/servers/${encodeURIComponent(p.mcpServerId)}`}>{p.mcpServerId}</a>
                </th>
                <td>
                  {p.name} <small>({p.runtime})</small>
                </td>
                <td>{p.version ?? '-'}</td>
                <td>
                  {p.latestVersion
                    ? `${p.latestVersion}${p.updateAvailable ? ' (update available)' : ''}`
                    : 'not checked'}
                </td>
                <td>
                  {p.status}
                  {p.error && <small> {p.error}</small>}
                </td>
                <td class="actions">
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() =>
                      act(async () => {
                        const r = await api.send<{ package: Pkg }>(
                          'PUT',
                          `/packages/${p.mcpServerId}/upgrade`,
                          {},
                        );
                        return `Upgraded ${p.mcpServerId} to ${r.package.version ?? '?'}`;
                      })
                    }
                  >
                    Upgrade {p.mcpServerId}
                  </button>
                  <ConfirmButton
                    label={`Uninstall ${p.mcpServerId}`}
                    confirmLabel={`Yes, uninstall ${p.mcpServerId}`}
                    question={`Uninstall ${p.name} and remove server ${p.mcpServerId}?`}
                    disabled={action.busy}
                    onConfirm={() =>
                      void act(
                        async () => (
                          await api.send('DELETE', `/packages/${p.mcpServerId}`),
                          `Uninstalled ${p.mcpServerId}`
                        ),
                      )
                    }
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Install a package</h2>
      <InstallForm session={props.session} onDone={() => packages.reload()} />
    </section>
  );
}
