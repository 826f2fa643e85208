import type * as z from 'zod';
import type { ServerPatch } from '../commands/serverDecider.js';
import type { SecretBox } from '../crypto/secretBox.js';
import { AppError } from '../errors.js';
import type { Transport } from '../events/serverEvents.js';
import { checkUrl, UrlRefusedError, type UrlPolicy } from '../net/urlSafety.js';
import { sealEnv } from '../crypto/serverEnv.js';
import { splitHeaders } from './remoteHeaders.js';
import type { AddServerBody, UpdateServerBody } from './serverSchemas.js';

type AddBody = z.infer<typeof AddServerBody>;
type UpdateBody = z.infer<typeof UpdateServerBody>;

/**
 * Refuses at registration what the runtime would refuse at connect, for IP-literal hosts (DNS is checked at
 * connect).
 */
function checkPolicy(url: string, policy: UrlPolicy | undefined): void {
  if (!policy) return;
  try {
    checkUrl(url, policy);
  } catch (error) {
    if (error instanceof UrlRefusedError)
      throw new AppError('invalid_request', `Invalid server: url refused: ${error.reason}`);
    throw error;
  }
}

/** The transport of a new server. For streamable_http, command/args/env/cwd are ignored (reference README). */
export function transportFromBody(body: AddBody, box: SecretBox, policy: UrlPolicy | undefined): Transport {
  if (body.transportType === 'stdio') {
    const { env, sealedEnv } = sealEnv(body.env, body.name, box);
    return {
      transportType: 'stdio',
      command: body.command as string,
      args: body.args,
      env,
      ...(Object.keys(sealedEnv).length > 0 ? { sealedEnv } : {}),
      ...(body.cwd ? { cwd: body.cwd } : {}),
    };
  }
  const url = body.url as string;
  checkPolicy(url, policy);
  const { plain, sealed } = splitHeaders(body.headers, body.name, box);
  return {
    transportType: 'streamable_http',
    url,
    headers: plain,
    ...(Object.keys(sealed).length > 0 ? { sealedHeaders: sealed } : {}),
    ...(body.reconnectionOptions ? { reconnectionOptions: body.reconnectionOptions } : {}),
  };
}

/** The decider's patch for PUT /mcp/servers/:name; redacted values sent back keep what is stored. */
export function patchFromBody(
  name: string,
  body: UpdateBody,
  stored: Transport,
  box: SecretBox,
  policy: UrlPolicy | undefined,
): ServerPatch {
  const { sessionId: _runtimeState, headers, url, ...rest } = body;
  const patch: ServerPatch = { ...rest };
  if (patch.env) {
    // A client that read the redacted env and sends it back keeps the stored values (and ciphertexts).
    const split = sealEnv(patch.env, name, box, stored.transportType === 'stdio' ? stored : undefined);
    patch.env = split.env;
    patch.sealedEnv = split.sealedEnv;
  }
  if (url !== undefined) {
    checkPolicy(url, policy);
    patch.url = url;
  }
  if (headers !== undefined)
    patch.headers = splitHeaders(
      headers,
      name,
      box,
      stored.transportType === 'streamable_http' ? stored : undefined,
    );
  return patch;
}
