import { AppError } from '../../errors.js';
import type { RunResult } from './processRunner.js';

/** Lines that say what went wrong, if the tool marked any; else the last few lines. */
function summary(tail: readonly string[]): string {
  const marked = tail.filter((l) => /\b(ERR!|error|Error|ERROR)\b/.test(l));
  const lines = (marked.length > 0 ? marked : tail).slice(-12);
  return lines.join('\n').trim();
}

/** Turns a finished installer run into nothing (success) or the typed error a client sees. */
export function checkRun(what: string, result: RunResult, timeoutMs: number): void {
  if (result.timedOut) {
    throw new AppError(
      'package_install_timeout',
      `${what} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`,
    );
  }
  if (result.aborted)
    throw new AppError('package_install_failed', `${what} was cancelled: the gateway is shutting down`);
  if (result.code !== 0) {
    const detail = summary(result.tail);
    throw new AppError(
      'package_install_failed',
      `${what} failed (exit code ${String(result.code)})${detail ? `: ${detail}` : ''}`,
    );
  }
}

/** Defence in depth: nothing that reaches an installer's argv may look like an option or carry a NUL. */
export function assertPlainArg(value: string, what: string): void {
  if (value.length === 0 || value.startsWith('-') || /[\0\r\n]/.test(value)) {
    throw new AppError('invalid_request', `Refusing to pass ${what} to the installer`);
  }
}
