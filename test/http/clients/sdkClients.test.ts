import { expect } from 'chai';
import { gatewayWithEverything } from '../../support/everythingServer.js';
import type { TestGateway } from '../../support/testGateway.js';
import { ANSWERS, connectV1, connectV2, type ClientUnderTest } from './everythingClients.js';

const CLIENTS: ReadonlyArray<{
  name: string;
  connect: (url: string, token: string) => Promise<ClientUnderTest>;
}> = [
  { name: 'SDK v2 client pinned to 2026-07-28', connect: (url, token) => connectV2(url, token, 'modern') },
  { name: 'SDK v2 client, 2025-11-25 handshake', connect: (url, token) => connectV2(url, token, 'legacy') },
  { name: 'SDK v1 client', connect: connectV1 },
];

const text = (value: unknown): string => JSON.stringify(value);

describe('real MCP clients through /mcp, in front of server-everything (stdio)', function () {
  this.timeout(120_000);
  let gw: TestGateway;

  before(async () => {
    gw = await gatewayWithEverything();
  });
  after(async () => {
    await gw?.close();
  });

  for (const { name, connect } of CLIENTS) {
    describe(name, () => {
      let client: ClientUnderTest;
      before(async () => {
        client = await connect(`${gw.url}/mcp`, gw.adminToken);
      });
      after(async () => {
        await client?.close();
      });

      it('lists and calls tools by their namespaced names', async () => {
        expect(await client.listTools()).to.include.members(['everything__echo', 'everything__get-sum']);
        expect(text(await client.callTool('everything__get-sum', { a: 2, b: 40 }))).to.contain('42');
      });

      it('gets every one of 100 progress notifications, in order', async () => {
        const seen: number[] = [];
        const result = await client.callTool(
          'everything__trigger-long-running-operation',
          { duration: 0.2, steps: 100 },
          // The SDK v2 client reports its own input_required rounds as progress ("Fulfilling input
          // required ..."): server-everything asks for roots 350 ms after it starts, which may land in this
          // call. Only the upstream's notifications are counted, and every one must arrive.
          (p) =>
            void (p.message?.startsWith('Fulfilling input required') ? undefined : seen.push(p.progress)),
        );
        expect(text(result)).to.contain('Steps: 100');
        expect(seen).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
      });

      it('answers the upstream elicitation, sampling and roots requests', async () => {
        expect(text(await client.callTool('everything__trigger-elicitation-request', {}))).to.contain('Ada');
        expect(
          text(await client.callTool('everything__trigger-sampling-request', { prompt: 'hi' })),
        ).to.contain(ANSWERS.sampling.content.text);
        expect(text(await client.callTool('everything__get-roots-list', {}))).to.contain(
          ANSWERS.roots.roots[0].uri,
        );
      });

      it('lists and reads resources, templates and resource links', async () => {
        const resources = await client.listResources();
        const file = resources.find((r) =>
          String(r.uri).startsWith('mcp-api://everything/demo://resource/static'),
        );
        expect(file, text(resources.slice(0, 3))).to.not.equal(undefined);
        const read = await client.readResource(String(file?.uri));
        expect(text(read)).to.contain(String(file?.uri));
        const templates = await client.listResourceTemplates();
        const template = templates.find((t) => String(t.uriTemplate).includes('/dynamic/text/'));
        expect(template, text(templates)).to.not.equal(undefined);
        const uri = String(template?.uriTemplate).replace('{resourceId}', '7');
        expect(text(await client.readResource(uri))).to.contain('Resource 7');
        const links = (await client.callTool('everything__get-resource-links', { count: 1 }))
          .content as Array<{
          type: string;
          uri?: string;
        }>;
        const link = links.find((c) => c.type === 'resource_link');
        expect(link?.uri, text(links)).to.match(/^mcp-api:\/\/everything\//);
        expect(text(await client.readResource(String(link?.uri)))).to.contain(String(link?.uri));
      });

      it('lists and gets prompts, and completes their arguments', async () => {
        expect(await client.listPrompts()).to.include.members([
          'everything__simple-prompt',
          'everything__args-prompt',
          'everything__completable-prompt',
        ]);
        expect(text(await client.getPrompt('everything__args-prompt', { city: 'Lyon' }))).to.contain('Lyon');
        expect(await client.complete('everything__completable-prompt', 'department', 'Eng')).to.include(
          'Engineering',
        );
        const lead = await client.complete('everything__completable-prompt', 'name', '', {
          department: 'Sales',
        });
        expect(lead.length, text(lead)).to.be.greaterThan(0);
      });
    });
  }
});
