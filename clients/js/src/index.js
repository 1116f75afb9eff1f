// Tally client for Node 18+: JSON-RPC 2.0 over TCP (node:net) or HTTP (fetch). No dependencies.
//
//   import { connect } from 'tally-client';
//   const client = connect('tcp://127.0.0.1:7411', { token: 'tly_...' });
//   await client.ingestEvents({ events: [{ ... }] });
//   await client.spendQuery({ group_by: ['client'] });
//   client.close();
export { TallyClient, connect } from './client.js';
export { EventBatcher, MAX_EVENTS_PER_CALL } from './batcher.js';
export { TallyError, BatcherFull, CODES } from './errors.js';
export { TcpTransport, HttpTransport, DEFAULT_MAX_MESSAGE_BYTES } from './transport.js';
export { METHODS, ROLES, RESEND_SAFE, GeneratedMethods } from './methods.js';
