import type { ResolveHook } from 'node:module';

const SHIM = new URL('./fsWithGlob.js', import.meta.url).href;

/** `fs` as imported by the conformance suite resolves to the shim; everyone else gets the real one. */
export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  const fromSuite = context.parentURL?.includes('/@modelcontextprotocol/conformance/') ?? false;
  if (fromSuite && (specifier === 'fs' || specifier === 'node:fs')) return { url: SHIM, shortCircuit: true };
  return nextResolve(specifier, context);
};
