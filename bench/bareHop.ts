/**
 * The bare-hop floor: the least any HTTP gateway in front of a stdio MCP server can cost on this
 * machine. node:http and one SDK client over stdio, no auth, no secrets, no validation, no framework.
 * POST any path with {"name": <tool>, "arguments": {...}}; the tool result is the JSON answer.
 * Run as `node dist/bench/bareHop.js <command> [args...]`; prints `{"port": N}` once listening.
 */
import { createServer } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';

const [command, ...args] = process.argv.slice(2);
if (!command) throw new Error('usage: bareHop.js <command> [args...]');
const client = new Client({ name: 'bare-hop', version: '1' });
await client.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      name: string;
      arguments: Record<string, unknown>;
    };
    client.request({ method: 'tools/call', params: call }, CallToolResultSchema).then(
      (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
      (error: unknown) => res.writeHead(502).end(String(error)),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n',
  );
});
process.on('SIGTERM', () => {
  server.close();
  void client.close().then(() => process.exit(0));
});
