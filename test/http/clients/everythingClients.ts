import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

/** What a client under test answers when the upstream (through the gateway) asks it something. */
export const ANSWERS = {
  elicitation: { action: 'accept', content: { name: 'Ada', favoriteColor: 'blue', agreeToTerms: true } },
  sampling: { role: 'assistant', model: 'test', content: { type: 'text', text: 'a sampled answer' } },
  roots: { roots: [{ uri: 'file:///work/fidelity', name: 'work' }] },
} as const;

const CAPABILITIES = { elicitation: { form: {} }, sampling: {}, roots: {} };

type Json = Record<string, unknown>;
type Progress = (p: { progress: number; total?: number; message?: string }) => void;

/** The calls the scenarios make, the same for every SDK generation and era. */
export interface ClientUnderTest {
  listTools(): Promise<string[]>;
  callTool(name: string, args: Json, onprogress?: Progress): Promise<Json>;
  listResources(): Promise<Json[]>;
  listResourceTemplates(): Promise<Json[]>;
  readResource(uri: string): Promise<Json>;
  listPrompts(): Promise<string[]>;
  getPrompt(name: string, args: Record<string, string>): Promise<Json>;
  complete(
    prompt: string,
    argument: string,
    value: string,
    context?: Record<string, string>,
  ): Promise<string[]>;
  close(): Promise<void>;
}

/** One call, however long the upstream takes between progress notifications. */
const LONG = { timeout: 120_000, resetTimeoutOnProgress: true };

export async function connectV2(
  url: string,
  token: string,
  era: 'modern' | 'legacy',
): Promise<ClientUnderTest> {
  const transport = new TransportV2(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new ClientV2(
    { name: `fidelity-v2-${era}`, version: '1.0.0' },
    {
      capabilities: CAPABILITIES,
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  client.setRequestHandler('elicitation/create', async () => ({ ...ANSWERS.elicitation }));
  client.setRequestHandler('sampling/createMessage', async () => ({ ...ANSWERS.sampling }));
  client.setRequestHandler('roots/list', async () => ({ roots: [...ANSWERS.roots.roots] }));
  await client.connect(transport);
  return {
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    callTool: async (name, args, onprogress) =>
      (await client.callTool(
        { name, arguments: args },
        { ...LONG, ...(onprogress ? { onprogress } : {}) },
      )) as Json,
    listResources: async () => (await client.listResources()).resources as Json[],
    listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates as Json[],
    readResource: async (uri) => (await client.readResource({ uri })) as Json,
    listPrompts: async () => (await client.listPrompts()).prompts.map((p) => p.name),
    getPrompt: async (name, args) => (await client.getPrompt({ name, arguments: args })) as Json,
    complete: async (name, argName, value, context) =>
      (
        await client.complete({
          ref: { type: 'ref/prompt', name },
          argument: { name: argName, value },
          ...(context ? { context: { arguments: context } } : {}),
        })
      ).completion.values,
    close: async () => {
      if (era === 'legacy') await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

export async function connectV1(url: string, token: string): Promise<ClientUnderTest> {
  const transport = new TransportV1(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new ClientV1({ name: 'fidelity-v1', version: '1.0.0' }, { capabilities: CAPABILITIES });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ ...ANSWERS.elicitation }));
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({ ...ANSWERS.sampling }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [...ANSWERS.roots.roots] }));
  await client.connect(transport);
  return {
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    callTool: async (name, args, onprogress) =>
      (await client.callTool({ name, arguments: args }, undefined, {
        ...LONG,
        ...(onprogress ? { onprogress } : {}),
      })) as Json,
    listResources: async () => (await client.listResources()).resources as Json[],
    listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates as Json[],
    readResource: async (uri) => (await client.readResource({ uri })) as Json,
    listPrompts: async () => (await client.listPrompts()).prompts.map((p) => p.name),
    getPrompt: async (name, args) => (await client.getPrompt({ name, arguments: args })) as Json,
    complete: async (name, argName, value, context) =>
      (
        await client.complete({
          ref: { type: 'ref/prompt', name },
          argument: { name: argName, value },
          ...(context ? { context: { arguments: context } } : {}),
        })
      ).completion.values,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}
