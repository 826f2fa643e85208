/**
 * `node --import <this>` before the conformance suite on Node 20: the suite's bundle imports
 * `globSync` from `fs` (Node >= 22) at load time, although the `server` command never calls it.
 * The hook hands the suite (and only the suite) an `fs` that also has `globSync`.
 */
import { register } from 'node:module';

register(new URL('./hooks.js', import.meta.url));
