import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { StatusSnapshot } from '../snapshot.ts';

// A snapshot read from a JSON file (`vigil status-site generate --snapshot F`): checked field by
// field, so a mistake is one line naming the field instead of a broken page.

const status = z.enum([
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
]);
const phase = z.enum(['investigating', 'identified', 'monitoring', 'resolved']);
const time = z.number().int().nonnegative();

const snapshotSchema = z.object({
  title: z.string().min(1),
  siteUrl: z.string(),
  timeZone: z.string().min(1),
  generatedAt: time,
  overall: status,
  components: z.array(
    z.object({
      name: z.string().min(1),
      description: z.string(),
      parent: z.string().optional(),
      status,
      uptime: z.array(
        z.object({
          date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
          availabilityPercent: z.number().min(0).max(100).nullable(),
          downtimeMinutes: z.number().nonnegative(),
          worst: status,
          incidentIds: z.array(z.string()),
          deploys: z.number().int().positive().optional(),
          deployed: z.array(z.string()).optional(),
        }),
      ),
      availabilityPercent: z.number().min(0).max(100).nullable(),
      targetPercent: z.number().min(0).max(100).optional(),
    }),
  ),
  incidents: z.array(
    z.object({
      id: z.string().min(1),
      title: z.string(),
      impact: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
      phase,
      components: z.array(z.string()),
      startedAt: time,
      publishedAt: time,
      resolvedAt: time.optional(),
      updates: z.array(z.object({ id: z.string(), phase, message: z.string(), at: time })),
      postmortemUrl: z.string().optional(),
      deploysBefore: z.array(z.object({ service: z.string(), version: z.string(), at: time })).optional(),
    }),
  ),
  maintenance: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      message: z.string(),
      components: z.array(z.string()),
      startsAt: time,
      endsAt: time,
      state: z.enum(['upcoming', 'in_progress', 'completed']),
    }),
  ),
  uptimeSince: time,
});

/** The snapshot in `file`, or an Error naming the file and the first bad field. */
export async function readSnapshotFile(file: string): Promise<StatusSnapshot> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `${file}: ${error instanceof SyntaxError ? `not JSON: ${error.message}` : (error as Error).message}`,
    );
  }
  const result = snapshotSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `${file}: ${issue?.path.map(String).join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data as StatusSnapshot;
}
