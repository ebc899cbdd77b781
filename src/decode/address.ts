/** The decoders' address text API: see src/ip_text.ts (shared by every stage, capture included). */
export * from '../ip_text.js';
