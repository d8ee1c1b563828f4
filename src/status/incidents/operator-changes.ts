import type { Model } from '../../model/types.ts';
import type {
  IncidentImpact,
  IncidentPhase,
  IncidentRecord,
  IncidentRecords,
} from '../../store/incidents.ts';
import { automaticTitle, firstMessage, resolvedMessage } from './wording.ts';

// What an operator does to an incident, shared by the CLI (which writes the store directly)
// and the API. The daemon's incident manager reads the store back, so a change made by
// either is acted on (published, sent to subscribers, shown on the site) within seconds.
// Every change is conditional on the incident's status, so an operator's hold and the
// daemon's automatic publish cannot both win.

export const PHASES: readonly IncidentPhase[] = ['investigating', 'identified', 'monitoring', 'resolved'];
export const IMPACTS: readonly IncidentImpact[] = ['none', 'minor', 'major', 'critical', 'maintenance'];

/** A refused change, with the HTTP status the API answers it with. */
export class IncidentRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

type Incidents = Pick<IncidentRecords, 'get' | 'change' | 'addUpdate' | 'retimeUpdates' | 'create'>;

async function load(incidents: Incidents, id: number): Promise<IncidentRecord> {
  const incident = Number.isSafeInteger(id) && id > 0 ? await incidents.get(id) : undefined;
  if (!incident) throw new IncidentRequestError(`no incident ${id}`, 404);
  return incident;
}

function refuseClosed(incident: IncidentRecord): void {
  if (incident.status === 'resolved')
    throw new IncidentRequestError(`incident ${incident.id} is already resolved`, 409);
  if (incident.status === 'withdrawn')
    throw new IncidentRequestError(`incident ${incident.id} was withdrawn (it never went public)`, 409);
}

export function parsePhase(text: string): IncidentPhase {
  const phase = PHASES.find((p) => p === text.trim().toLowerCase());
  if (!phase) throw new IncidentRequestError(`phase "${text}" is not one of ${PHASES.join(', ')}`, 400);
  return phase;
}

export function parseImpact(text: string): IncidentImpact {
  const impact = IMPACTS.find((i) => i === text.trim().toLowerCase());
  if (!impact) throw new IncidentRequestError(`impact "${text}" is not one of ${IMPACTS.join(', ')}`, 400);
  return impact;
}

function checkMessage(message: string, what = 'message'): string {
  const text = message.trim();
  if (text === '') throw new IncidentRequestError(`${what} is empty`, 400);
  if (text.length > 10_000) throw new IncidentRequestError(`${what} is longer than 10000 characters`, 400);
  return text;
}

function checkTitle(title: string): string {
  const text = title.trim().replace(/\s+/g, ' ');
  if (text === '') throw new IncidentRequestError('title is empty', 400);
  if (text.length > 200) throw new IncidentRequestError('title is longer than 200 characters', 400);
  return text;
}

/** Component names, each defined in the configuration. */
export function checkComponents(model: Model, names: readonly string[]): string[] {
  const list = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
  if (list.length === 0) throw new IncidentRequestError('components: name at least one component', 400);
  for (const name of list)
    if (!model.components.has(name))
      throw new IncidentRequestError(
        `components: "${name}" is not a configured component (known: ${[...model.components.keys()].join(', ') || 'none'})`,
        400,
      );
  return list.sort();
}

/** Makes a draft public now; false when it was no longer a draft. The daemon's publish uses it too. */
export async function publishDraft(
  incidents: Incidents,
  incident: IncidentRecord,
  at: number,
): Promise<boolean> {
  const published = await incidents.change(
    incident.id,
    {
      status: 'published',
      publishedAt: at,
      firstPostMs: Math.max(0, at - incident.startedAt),
      publishAt: null,
      heldBy: '',
      updatedAt: at,
    },
    ['draft'],
  );
  if (published) await incidents.retimeUpdates(incident.id, at);
  return published;
}

export async function publishIncident(incidents: Incidents, id: number, at: number): Promise<IncidentRecord> {
  const incident = await load(incidents, id);
  if (incident.status !== 'draft')
    throw new IncidentRequestError(`incident ${id} is not a draft (it is ${incident.status})`, 409);
  if (!(await publishDraft(incidents, incident, at)))
    throw new IncidentRequestError(`incident ${id} was published or closed meanwhile`, 409);
  return load(incidents, id);
}

/** Stops a draft from going public by itself; an operator publishes it when ready. */
export async function holdIncident(
  incidents: Incidents,
  id: number,
  at: number,
  author: string,
): Promise<IncidentRecord> {
  const incident = await load(incidents, id);
  if (incident.status !== 'draft')
    throw new IncidentRequestError(
      `incident ${id} is already public (${incident.status}); it cannot be held`,
      409,
    );
  if (
    !(await incidents.change(id, { publishAt: null, heldBy: `held by ${author}`, updatedAt: at }, ['draft']))
  )
    throw new IncidentRequestError(`incident ${id} was published meanwhile`, 409);
  return load(incidents, id);
}

/** An edit to a draft takes it out of automatic publishing: the operator now owns its words. */
async function holdIfDraft(incidents: Incidents, incident: IncidentRecord, at: number, author: string) {
  if (incident.status === 'draft' && incident.publishAt !== null)
    await incidents.change(incident.id, { publishAt: null, heldBy: `edited by ${author}`, updatedAt: at }, [
      'draft',
    ]);
}

export async function postUpdate(
  incidents: Incidents,
  id: number,
  update: { phase: IncidentPhase; message: string },
  at: number,
  author: string,
): Promise<IncidentRecord> {
  if (update.phase === 'resolved') return resolveIncident(incidents, id, update.message, at, author);
  const incident = await load(incidents, id);
  refuseClosed(incident);
  const message = checkMessage(update.message);
  await holdIfDraft(incidents, incident, at, author);
  await incidents.addUpdate(id, { phase: update.phase, message, at, author });
  // An operator's own phase ends any automatic resolution under way.
  await incidents.change(id, { phase: update.phase, resolveAt: null, updatedAt: at }, ['draft', 'published']);
  return load(incidents, id);
}

/** Resolves an incident now; a draft that never went public is withdrawn instead. */
export async function resolveIncident(
  incidents: Incidents,
  id: number,
  message: string | undefined,
  at: number,
  author: string,
): Promise<IncidentRecord> {
  const incident = await load(incidents, id);
  refuseClosed(incident);
  if (incident.status === 'draft') {
    await incidents.change(id, { status: 'withdrawn', publishAt: null, resolvedAt: at, updatedAt: at }, [
      'draft',
    ]);
    return load(incidents, id);
  }
  const text = message === undefined ? resolvedMessage(incident.components) : checkMessage(message);
  await incidents.addUpdate(id, { phase: 'resolved', message: text, at, author });
  await incidents.change(
    id,
    { phase: 'resolved', status: 'resolved', resolvedAt: at, resolveAt: null, updatedAt: at },
    ['published'],
  );
  return load(incidents, id);
}

export async function editIncident(
  incidents: Incidents,
  model: Model,
  id: number,
  edit: { title?: string; impact?: IncidentImpact; components?: string[] },
  at: number,
  author: string,
): Promise<IncidentRecord> {
  const incident = await load(incidents, id);
  if (incident.status === 'withdrawn')
    throw new IncidentRequestError(`incident ${id} was withdrawn (it never went public)`, 409);
  const title = edit.title === undefined ? undefined : checkTitle(edit.title);
  const components = edit.components === undefined ? undefined : checkComponents(model, edit.components);
  await holdIfDraft(incidents, incident, at, author);
  await incidents.change(id, {
    ...(title !== undefined ? { title } : {}),
    ...(edit.impact !== undefined ? { impact: edit.impact } : {}),
    ...(components !== undefined ? { components } : {}),
    updatedAt: at,
  });
  return load(incidents, id);
}

export async function setPostmortem(
  incidents: Incidents,
  id: number,
  url: string,
  at: number,
): Promise<IncidentRecord> {
  await load(incidents, id);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new IncidentRequestError(`postmortem "${url}" is not a URL`, 400);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new IncidentRequestError('postmortem must be an http:// or https:// URL', 400);
  await incidents.change(id, { postmortemUrl: parsed.toString(), updatedAt: at });
  return load(incidents, id);
}

/** An incident an operator opens by hand (nothing failing that Vigil sees, or a third party's outage). */
export async function openIncident(
  incidents: Incidents,
  model: Model,
  request: {
    title?: string;
    components: string[];
    message?: string;
    impact?: IncidentImpact;
    phase?: IncidentPhase;
    /** Publish at once (default) or keep it a held draft. */
    draft?: boolean;
    startedAt?: number;
  },
  at: number,
  author: string,
): Promise<IncidentRecord> {
  const components = checkComponents(model, request.components);
  const impact = request.impact ?? 'minor';
  const phase = request.phase ?? 'investigating';
  if (phase === 'resolved') throw new IncidentRequestError('a new incident cannot start resolved', 400);
  const startedAt = request.startedAt ?? at;
  if (!Number.isFinite(startedAt) || startedAt > at)
    throw new IncidentRequestError('started must not be in the future', 400);
  const incident = await incidents.create(
    {
      title: request.title === undefined ? automaticTitle(components, impact) : checkTitle(request.title),
      impact,
      phase,
      status: 'draft',
      components,
      causes: [],
      startedAt,
      createdAt: at,
      publishAt: null,
      origin: 'operator',
    },
    {
      phase,
      message: request.message === undefined ? firstMessage(components) : checkMessage(request.message),
      author,
    },
  );
  if (request.draft) {
    await incidents.change(incident.id, { heldBy: `opened by ${author}`, updatedAt: at }, ['draft']);
    return load(incidents, incident.id);
  }
  await publishDraft(incidents, incident, at);
  return load(incidents, incident.id);
}
