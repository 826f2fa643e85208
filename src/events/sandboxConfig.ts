import * as z from 'zod';

/** Per-process limits a server's sandbox applies (prlimit); absent fields take the gateway's defaults. */
export const SandboxLimitsSchema = z.object({
  memoryMb: z.number().int().positive().optional(),
  processes: z.number().int().positive().optional(),
  openFiles: z.number().int().positive().optional(),
  cpuSeconds: z.number().int().positive().optional(),
});

/** A host path made visible inside the server's sandbox (set by an admin, like every server setting). */
export const SandboxBindSchema = z.object({ path: z.string().min(1), writable: z.boolean() });

/**
 * A server's sandbox settings, stored in its config; absent: the defaults (host network, default limits, no
 * extra binds).
 */
export const SandboxConfigSchema = z.object({
  network: z.enum(['host', 'none']).optional(),
  limits: SandboxLimitsSchema.optional(),
  binds: z.array(SandboxBindSchema).optional(),
});
export type SandboxConfig = z.infer<typeof SandboxConfigSchema>;
