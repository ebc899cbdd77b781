/** µs since the Unix epoch → ISO 8601 UTC with microseconds, e.g. 2024-05-01T10:00:00.123456Z. */
export function isoMicros(us: number): string {
  if (!Number.isFinite(us)) return '';
  const whole = Math.floor(us);
  const ms = Math.floor(whole / 1000);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return `@${whole}us`;
  const micros = String(whole - ms * 1000).padStart(3, '0');
  return d.toISOString().replace('Z', `${micros}Z`);
}

/** Generation time: SOURCE_DATE_EPOCH (seconds) pins it for reproducible output. */
export function generationTime(env: Record<string, string | undefined>, now: () => number = Date.now): string {
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && /^\d+$/.test(sde.trim())) return new Date(Number(sde.trim()) * 1000).toISOString();
  return new Date(now()).toISOString();
}
