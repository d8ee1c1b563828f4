// Values as an operator reads them: perfdata byte units scaled to the size that fits
// ("1.2 GB", not "1288490188.8 B"), other units kept as the check reported them.

/** Bytes per perfdata unit; Monitoring Plugins (check_disk) count KB, MB, ... in powers of 1024. */
const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  PB: 1024 ** 5,
};
const BYTE_SCALE = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** `value` in `unit`, with three significant digits at most: "1.2 GB", "87.5%", "3 c". */
export function formatQuantity(value: number, unit: string): string {
  const bytesPer = BYTE_UNITS[unit.toUpperCase()];
  if (bytesPer !== undefined) {
    const bytes = value * bytesPer;
    let step = 0;
    while (step < BYTE_SCALE.length - 1 && Math.abs(bytes) >= 1024 ** (step + 1)) step++;
    return `${round(bytes / 1024 ** step)} ${BYTE_SCALE[step]}`;
  }
  if (unit === '%') return `${round(value)}%`;
  return unit === '' ? round(value) : `${round(value)} ${unit}`;
}

function round(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return String(+value.toFixed(Math.max(digits, magnitude < 0.001 ? 6 : 0)));
}
