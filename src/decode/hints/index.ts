export * from './text.js';
export * from './dns.js';
export * from './tls_sni.js';
export * from './http_host.js';
export * from './dcerpc_epm.js';
