import semver from 'semver';
import { AppError } from '../../errors.js';

/**
 * A package whose `engines.node` the gateway's Node does not satisfy would install fine and then
 * crash-loop; refuse it up front with the requirement. No `engines.node`, or a range semver cannot
 * parse (npm itself only warns on those), is accepted.
 */
export function assertNodeEngine(
  packageName: string,
  version: string,
  engines: unknown,
  nodeVersion: string,
): void {
  const range =
    typeof engines === 'object' && engines !== null ? (engines as Record<string, unknown>).node : undefined;
  if (typeof range !== 'string' || semver.validRange(range) === null) return;
  if (semver.satisfies(nodeVersion, range, { includePrerelease: true })) return;
  throw new AppError(
    'package_engine_unsupported',
    `${packageName}@${version} requires Node ${range} (engines.node); this gateway runs Node ${nodeVersion}`,
    { requiredNode: range, nodeVersion },
  );
}
