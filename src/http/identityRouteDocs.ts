import { PolicyCheckBody, RegisterUserBody, SetGroupsBody, SetPolicyBody } from './identitySchemas.js';

/** OpenAPI entries of the identity routes: users and groups, the access policy, the authorization server. */
export const IDENTITY_ROUTE_DOCS = {
  'GET /users': {
    summary: 'Users (registered by an admin or on first sign-in) with their groups',
    tag: 'identity',
    returns: ['users'],
  },
  'POST /users': {
    summary: 'Register a user, optionally with groups',
    tag: 'identity',
    body: RegisterUserBody,
    returns: ['user'],
  },
  'GET /users/:username': {
    summary: 'One user: admin-set groups, groups from the identity provider, last sign-in',
    tag: 'identity',
    returns: ['user'],
  },
  'PUT /users/:username/groups': {
    summary: "Replace a user's admin-set groups",
    tag: 'identity',
    body: SetGroupsBody,
    returns: ['user'],
  },
  'GET /policy': {
    summary: 'The access policy rules (none: everyone sees everything)',
    tag: 'identity',
    returns: ['rules', 'enforced'],
  },
  'PUT /policy': {
    summary: 'Replace the access policy rules (allow/deny, users and groups, * wildcards; deny wins)',
    tag: 'identity',
    body: SetPolicyBody,
    returns: ['rules', 'enforced'],
  },
  'POST /policy/check': {
    summary: 'What the policy decides for a user and an item, and which rule decided',
    tag: 'identity',
    body: PolicyCheckBody,
    returns: ['allowed', 'reason', 'ruleId', 'groups'],
  },
  'GET /oauth/interaction/:uid': {
    summary: 'Authorization server: sign-in or consent page (HTML) of one authorization request',
    tag: 'oauth',
  },
  'POST /oauth/interaction/:uid/login': {
    summary: 'Authorization server: sign in with a user token (form)',
    tag: 'oauth',
  },
  'GET /oauth/interaction/:uid/federate': {
    summary: 'Authorization server: sign in through the identity provider (redirect)',
    tag: 'oauth',
  },
  'GET /oauth/interaction/:uid/federated': {
    summary: 'Authorization server: complete the identity-provider sign-in',
    tag: 'oauth',
  },
  'POST /oauth/interaction/:uid/confirm': {
    summary: 'Authorization server: allow or deny a client (form, CSRF-protected)',
    tag: 'oauth',
  },
  'GET /auth/oidc/callback': {
    summary: "The identity provider's redirect after sign-in",
    tag: 'oauth',
    query: { code: 'authorization code', state: 'state' },
  },
  'GET /.well-known/oauth-protected-resource': {
    summary: 'RFC 9728 protected resource metadata of the gateway',
    tag: 'oauth',
  },
  'GET /.well-known/oauth-protected-resource/{*resource}': {
    summary: 'RFC 9728 protected resource metadata of a path (e.g. /mcp)',
    tag: 'oauth',
  },
  'GET /auth/clients': {
    summary: 'OAuth clients the user connected (authorized)',
    tag: 'oauth',
    returns: ['username', 'clients'],
    query: { username: 'admin only: whose' },
  },
  'DELETE /auth/clients/:clientId': {
    summary: 'Revoke a connected client: its grants, codes and tokens stop working',
    tag: 'oauth',
    returns: ['clientId', 'grantsRevoked'],
    query: { username: 'admin only: whose' },
  },
};
