import type { Model } from '../../model/types.ts';
import type { Deploy } from '../../store/deploys.ts';
import type { IncidentRecord } from '../../store/incidents.ts';
import type { Store } from '../../store/store.ts';
import { incidentDeploys } from '../snapshot-builder.ts';

// The deploys an incident lists, read for one incident (the API, the CLI and the dashboard):
// every deploy of the hour before it started, narrowed to its components the same way the
// status site's snapshot does.

export async function deploysBeforeIncident(
  store: Pick<Store, 'deploys'>,
  model: Pick<Model, 'components' | 'services'>,
  incident: Pick<IncidentRecord, 'components' | 'startedAt'>,
): Promise<Deploy[]> {
  const hour = await store.deploys.deploysBefore(incident.startedAt);
  return incidentDeploys(model.components, model, incident, hour);
}
