import { AppError, isAppError } from '../../../errors.js';
import type { ToolCallRequest, ToolResult } from '../../core/types.js';

/** The browser link where `username` connects their account at `serverName`, if the gateway can make one. */
export type ConnectLink = (serverName: string, username: string) => string | undefined;

/**
 * A call that failed because the user has no usable grant at a remote server's authorization
 * server gets the link to connect one: in the details (`connectUrl`, for REST and URL-mode
 * elicitation) and in the message (for clients that only show text). Google-style servers (stdio
 * with their own auth tools) fail the same way but are connected elsewhere, so only remote
 * servers are hinted: `isRemote` says which.
 */
export async function withConnectHint(
  call: Promise<ToolResult>,
  request: ToolCallRequest,
  link: ConnectLink,
  isRemote: (serverName: string) => boolean,
): Promise<ToolResult> {
  try {
    return await call;
  } catch (error) {
    if (!isAppError(error) || error.code !== 'reauth_required' || !isRemote(request.serverName)) throw error;
    const username = typeof error.details.username === 'string' ? error.details.username : request.username;
    const url = link(request.serverName, username);
    if (!url) throw error;
    throw new AppError(
      'reauth_required',
      `Connect your account for server ${request.serverName} at ${url} , then retry. (${error.message})`,
      { ...error.details, serverName: request.serverName, username, connectUrl: url },
      { cause: error },
    );
  }
}
