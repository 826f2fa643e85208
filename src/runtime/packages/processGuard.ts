/**
 * Runs one installer command (npm, pip, python -m venv) as a child and ties its life to the
 * gateway's: the gateway spawns this guard as a process-group leader with a pipe on stdin and
 * never closes it; if the gateway dies, even by SIGKILL, the pipe reaches EOF and the guard kills
 * its whole group, so no npm or pip keeps writing into an install directory that recovery cleans.
 * Usage: node processGuard.js <command> [args...]. Exit code: the child's, 128+n for a signal.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('processGuard: no command\n');
  process.exit(2);
}

const killGroup = (): void => {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(137);
  }
};
process.stdin.on('end', killGroup);
process.stdin.on('close', killGroup);
process.stdin.on('error', killGroup);
process.stdin.resume();

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], shell: false });
child.on('error', (e) => {
  process.stderr.write(`cannot start ${command}: ${e.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) =>
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)),
);
