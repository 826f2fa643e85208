interface Block {
  readonly type: string;
  readonly text?: string;
  readonly data?: string;
  readonly mimeType?: string;
  readonly resource?: { uri?: string; text?: string; mimeType?: string };
  readonly uri?: string;
  readonly name?: string;
}

export interface CallResult {
  readonly content?: Block[];
  readonly structuredContent?: unknown;
  readonly isError?: boolean;
}

const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp)$/;

/** An MCP CallToolResult: text as text, images as images (data: URLs), structured content as JSON. */
export function ResultBlocks(props: { result: CallResult }) {
  const r = props.result;
  return (
    <section class="panel" aria-labelledby="result-title" data-testid="tool-result">
      <h2 id="result-title">{r.isError ? 'Result (the tool reported an error)' : 'Result'}</h2>
      {(r.content ?? []).map((b, i) => (
        <div key={i} class="block" data-block-type={b.type}>
          {b.type === 'text' && <pre>{b.text}</pre>}
          {b.type === 'image' && b.mimeType && IMAGE_TYPES.test(b.mimeType) && b.data && (
            <img src={`data:${b.mimeType};base64,${b.data}`} alt={`Image ${i + 1} returned by the tool`} />
          )}
          {b.type === 'resource' && (
            <p>
              Resource <code>{b.resource?.uri}</code>
              {b.resource?.text !== undefined && <pre>{b.resource.text}</pre>}
            </p>
          )}
          {b.type === 'resource_link' && (
            <p>
              Resource link <code>{b.uri}</code> {b.name ?? ''}
            </p>
          )}
          {!['text', 'image', 'resource', 'resource_link'].includes(b.type) && (
            <pre>{JSON.stringify(b, null, 2)}</pre>
          )}
        </div>
      ))}
      {r.structuredContent !== undefined && (
        <>
          <h3>Structured content</h3>
          <pre data-testid="structured-content">{JSON.stringify(r.structuredContent, null, 2)}</pre>
        </>
      )}
    </section>
  );
}
