/** Local peers and helpers for tests: real servers on loopback, temp dirs, the started binary. */
export * from './targets.js';
export * from './receivers.js';
export * from './node-process.js';
export * from './nats-cluster.js';
export * from './damage.js';
export * from './config-docs.js';
export * from './event-stream.js';
export * from './tls-cert.js';
export * from './csv.js';
