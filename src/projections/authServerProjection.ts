import type { Sealed } from '../events/secretEvents.js';
import type { DomainEvent } from '../events/domainEvents.js';

export interface AuthRecordView {
  readonly sealed: Sealed;
  readonly grantId?: string;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly uid?: string;
  readonly expiresAt?: string;
  readonly consumed?: boolean;
}

/**
 * The authorization server's durable records: model → SHA-256(id) → sealed payload, plus
 * grantId → "model key" entries so a revoked grant drops every record issued under it.
 */
export interface AuthServerModel {
  readonly records: Map<string, Map<string, AuthRecordView>>;
  readonly byGrant: Map<string, string[]>;
}

export const initialAuthServer = (): AuthServerModel => ({ records: new Map(), byGrant: new Map() });

const SEP = ' ';

function drop(model: AuthServerModel, modelName: string, key: string): void {
  const record = model.records.get(modelName)?.get(key);
  model.records.get(modelName)?.delete(key);
  if (record?.grantId === undefined) return;
  const rest = (model.byGrant.get(record.grantId) ?? []).filter((k) => k !== `${modelName}${SEP}${key}`);
  if (rest.length === 0) model.byGrant.delete(record.grantId);
  else model.byGrant.set(record.grantId, rest);
}

/** Deterministic fold, in place. */
export function evolveAuthServer(model: AuthServerModel, event: DomainEvent): AuthServerModel {
  switch (event.type) {
    case 'AuthServerRecordStored': {
      const { model: name, key, sealed, grantId, accountId, clientId, uid, expiresAt } = event.data;
      drop(model, name, key);
      let records = model.records.get(name);
      if (!records) model.records.set(name, (records = new Map()));
      records.set(key, {
        sealed,
        ...(grantId ? { grantId } : {}),
        ...(accountId ? { accountId } : {}),
        ...(clientId ? { clientId } : {}),
        ...(uid ? { uid } : {}),
        ...(expiresAt ? { expiresAt } : {}),
      });
      if (grantId !== undefined)
        model.byGrant.set(grantId, [...(model.byGrant.get(grantId) ?? []), `${name}${SEP}${key}`]);
      return model;
    }
    case 'AuthServerRecordConsumed': {
      const record = model.records.get(event.data.model)?.get(event.data.key);
      if (record) model.records.get(event.data.model)?.set(event.data.key, { ...record, consumed: true });
      return model;
    }
    case 'AuthServerRecordDestroyed':
      drop(model, event.data.model, event.data.key);
      return model;
    case 'AuthServerGrantRevoked':
      for (const entry of model.byGrant.get(event.data.grantId) ?? []) {
        const [name, key] = entry.split(SEP) as [string, string];
        model.records.get(name)?.delete(key);
      }
      model.byGrant.delete(event.data.grantId);
      return model;
    case 'UserDeleted':
      // A deleted user's grants, tokens and codes stop working with the deletion.
      for (const [name, records] of model.records) {
        for (const [key, record] of records)
          if (record.accountId === event.data.username) drop(model, name, key);
      }
      return model;
    default:
      return model;
  }
}

export const authRecord = (
  model: AuthServerModel,
  modelName: string,
  key: string,
): AuthRecordView | undefined => model.records.get(modelName)?.get(key);
