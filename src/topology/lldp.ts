// Reads what `lldpctl -f json` and `lldpctl -f json0` (lldpd) print and normalises both
// into one shape. The `json` format is built for people, not programs: its shape changes
// with the data (see `entriesOf`), and names are object keys rather than fields. `json0`
// is the same data with every value wrapped in a list, so its shape never changes.

/** A problem in one file, placed by a JSON path such as `$.lldp.interface[1].eth1.chassis`. */
export interface LldpProblem {
  file: string;
  path: string;
  message: string;
}

export function formatLldpProblem(problem: LldpProblem): string {
  return problem.path
    ? `${problem.file}: ${problem.path}: ${problem.message}`
    : `${problem.file}: ${problem.message}`;
}

export interface LldpCapability {
  type: string;
  enabled: boolean;
}

/** The device on the far end of one local port, as it advertises itself. */
export interface LldpNeighbour {
  /** Chassis ID value (a MAC address, most often). */
  chassisId?: string;
  /** Chassis ID subtype as lldpd names it: mac, local, ifname, ip, ... */
  chassisIdType?: string;
  /** System name, or undefined when the neighbour sends none. */
  name?: string;
  /** The neighbour's port, as an operator names it (see `portNameOf`). */
  port?: string;
  portDescription?: string;
  mgmtAddresses: string[];
  /** Undefined when the neighbour advertises no capabilities. */
  capabilities?: LldpCapability[];
}

export interface LldpLink {
  localPort: string;
  neighbour: LldpNeighbour;
  /** JSON path of the neighbour's chassis, for messages. */
  path: string;
}

/** One host's LLDP view: its name and the neighbour on each of its ports. */
export interface LldpHostData {
  file: string;
  localHost: string;
  /** The host's own chassis, when the file includes `lldpcli show chassis` output. */
  localChassis?: { name?: string; mgmtAddresses: string[]; capabilities?: LldpCapability[] };
  links: LldpLink[];
}

export type LldpParseResult =
  | { ok: true; data: LldpHostData; warnings: LldpProblem[] }
  | { ok: false; error: LldpProblem };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses one file of `lldpctl -f json` or `-f json0` output. `fileHost` (the file name
 * without `.json`) names the local host: lldpctl's neighbour output does not contain it.
 * A `local-chassis` section (from `lldpcli show chassis`, merged in with e.g.
 * `jq -s add`) is accepted; its name is only compared with the file name.
 */
export function parseLldpJson(file: string, fileHost: string, text: string): LldpParseResult {
  const fail = (path: string, message: string): LldpParseResult => ({
    ok: false,
    error: { file, path, message },
  });
  if (text.trim() === '') return fail('', 'file is empty; expected the output of `lldpctl -f json`');
  let document: Json;
  try {
    document = JSON.parse(text) as Json;
  } catch (error) {
    const reason = (error as Error).message;
    const position = Number(/position (\d+)/.exec(reason)?.[1] ?? Number.NaN);
    const atEnd = position >= text.trimEnd().length - 1 || /end of (JSON )?(data|input)/i.test(reason);
    return fail('', atEnd ? `JSON ends early (truncated file?): ${reason}` : `not valid JSON: ${reason}`);
  }
  if (!isObject(document) || (!('lldp' in document) && !('local-chassis' in document))) {
    return fail('$', 'not LLDP data: expected an object with an "lldp" key, as `lldpctl -f json` prints');
  }
  const warnings: LldpProblem[] = [];
  const warn = (path: string, message: string) => warnings.push({ file, path, message });
  const lldp = document.lldp;
  const links: LldpLink[] = [];
  if (Array.isArray(lldp)) {
    lldp.forEach((section, s) => {
      if (!isObject(section)) return warn(`$.lldp[${s}]`, 'expected an object; ignored');
      readJson0Interfaces(section.interface, `$.lldp[${s}].interface`, links, warn);
    });
  } else if (isObject(lldp)) {
    readJsonInterfaces(lldp.interface, '$.lldp.interface', links, warn);
  } else if (lldp !== undefined) {
    return fail('$.lldp', 'not LLDP data: "lldp" is neither an object (json) nor a list (json0)');
  }
  const data: LldpHostData = { file, localHost: fileHost, links };
  const localChassis = readLocalChassis(document['local-chassis'], warn);
  if (localChassis) {
    data.localChassis = localChassis;
    if (localChassis.name && localChassis.name !== fileHost) {
      warn(
        '$.local-chassis',
        `local chassis is named "${localChassis.name}" but the file name says "${fileHost}"; using "${fileHost}"`,
      );
    }
  }
  return { ok: true, data, warnings };
}

type Warn = (path: string, message: string) => void;

/**
 * Named entries of a `json`-format collection. lldpd prints a collection of named items
 * (interfaces, chassis) as a bare object `{name: {...}}` when there is one and as a list
 * of one-key objects `[{name: {...}}, {name: {...}}]` when there are several; with none
 * the key is missing altogether.
 */
function entriesOf(
  value: Json | undefined,
  path: string,
  warn: Warn,
): { name: string; value: Json; path: string }[] {
  if (value === undefined) return [];
  const entries: { name: string; value: Json; path: string }[] = [];
  const addObject = (object: JsonObject, at: string) => {
    for (const [name, item] of Object.entries(object))
      entries.push({ name, value: item, path: `${at}.${name}` });
  };
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (isObject(item)) addObject(item, `${path}[${i}]`);
      else warn(`${path}[${i}]`, 'expected an object; ignored');
    });
  } else if (isObject(value)) {
    addObject(value, path);
  } else {
    warn(path, 'expected an object or a list; ignored');
  }
  return entries;
}

function readJsonInterfaces(value: Json | undefined, path: string, links: LldpLink[], warn: Warn): void {
  for (const entry of entriesOf(value, path, warn)) {
    if (!isObject(entry.value)) {
      warn(entry.path, 'interface is not an object; ignored');
      continue;
    }
    const chassisPath = `${entry.path}.chassis`;
    const chassis = readJsonChassis(entry.value.chassis, chassisPath, warn);
    if (!chassis) continue;
    const port = isObject(entry.value.port) ? entry.value.port : {};
    const portId = isObject(port.id) ? port.id : {};
    links.push({
      localPort: entry.name,
      path: chassis.path,
      neighbour: {
        ...chassis.neighbour,
        ...portFields(text(portId.type), text(portId.value), text(port.descr)),
      },
    });
  }
}

/**
 * A `json`-format chassis is `{NAME: {id, descr, mgmt-ip, ...}}`; a chassis without a
 * system name has nothing to be keyed by, so its fields sit directly under `chassis`.
 */
function readJsonChassis(
  value: Json | undefined,
  path: string,
  warn: Warn,
): { neighbour: Omit<LldpNeighbour, 'port' | 'portDescription'>; path: string } | undefined {
  if (!isObject(value)) {
    warn(path, 'interface has no chassis; link skipped');
    return undefined;
  }
  let name: string | undefined;
  let fields: JsonObject = value;
  let at = path;
  const keys = Object.keys(value);
  const unnamed = isObject(value.id) && ('value' in value.id || 'type' in value.id);
  if (!unnamed && keys.length === 1 && isObject(value[keys[0] as string])) {
    name = keys[0] as string;
    fields = value[name] as JsonObject;
    at = `${path}.${name}`;
  }
  const id = isObject(fields.id) ? fields.id : {};
  return {
    path: at,
    neighbour: {
      chassisId: text(id.value),
      chassisIdType: text(id.type),
      name,
      mgmtAddresses: textList(fields['mgmt-ip']),
      capabilities: capabilitiesOf(fields.capability),
    },
  };
}

function readJson0Interfaces(value: Json | undefined, path: string, links: LldpLink[], warn: Warn): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    warn(path, 'expected a list (json0 format); ignored');
    return;
  }
  value.forEach((item, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(item)) return warn(at, 'interface is not an object; ignored');
    const localPort = text(item.name);
    if (!localPort) return warn(at, 'interface has no name; link skipped');
    const chassisList = Array.isArray(item.chassis) ? item.chassis : [];
    const chassis = chassisList[0];
    if (!isObject(chassis)) return warn(`${at}.chassis`, 'interface has no chassis; link skipped');
    const id = json0Object(chassis.id);
    const port = json0Object(item.port);
    const portId = json0Object(port.id);
    links.push({
      localPort,
      path: `${at}.chassis[0]`,
      neighbour: {
        chassisId: text(id.value),
        chassisIdType: text(id.type),
        name: json0Text(chassis.name),
        mgmtAddresses: json0TextList(chassis['mgmt-ip']),
        capabilities: capabilitiesOf(chassis.capability),
        ...portFields(text(portId.type), text(portId.value), json0Text(port.descr)),
      },
    });
  });
}

function readLocalChassis(value: Json | undefined, warn: Warn): LldpHostData['localChassis'] {
  if (value === undefined) return undefined;
  // json: {"chassis": {NAME: {...}}}; json0: [{"chassis": [{"name": [{"value": NAME}], ...}]}]
  if (Array.isArray(value)) {
    const chassis = json0Object(json0Object(value).chassis);
    return {
      name: json0Text(chassis.name),
      mgmtAddresses: json0TextList(chassis['mgmt-ip']),
      capabilities: capabilitiesOf(chassis.capability),
    };
  }
  if (!isObject(value)) {
    warn('$.local-chassis', 'expected an object or a list; ignored');
    return undefined;
  }
  const chassis = readJsonChassis(value.chassis, '$.local-chassis.chassis', warn);
  if (!chassis) return undefined;
  const { name, mgmtAddresses, capabilities } = chassis.neighbour;
  return { name, mgmtAddresses, capabilities };
}

/**
 * The name an operator uses for the neighbour's port. A port ID of subtype `ifname` is
 * that name; other subtypes are often a MAC address (lldpd's default) or an ifIndex
 * (Junos), and then the port description carries the interface name.
 */
function portFields(
  idType: string | undefined,
  idValue: string | undefined,
  description: string | undefined,
): { port?: string; portDescription?: string } {
  const port = idType === 'ifname' ? idValue : (description ?? idValue);
  return {
    ...(port !== undefined ? { port } : {}),
    ...(description !== undefined ? { portDescription: description } : {}),
  };
}

function capabilitiesOf(value: Json | undefined): LldpCapability[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isObject).map((c) => ({ type: text(c.type) ?? '', enabled: c.enabled === true }));
}

function text(value: Json | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A management address list: a string for one address, a list for several (json format). */
function textList(value: Json | undefined): string[] {
  if (Array.isArray(value)) return value.map(text).filter((v): v is string => v !== undefined);
  const single = text(value);
  return single === undefined ? [] : [single];
}

/** json0 wraps every object in a one-item list. */
function json0Object(value: Json | undefined): JsonObject {
  const first = Array.isArray(value) ? value[0] : value;
  return isObject(first) ? first : {};
}

/** json0 wraps every scalar as `[{"value": X}]`. */
function json0Text(value: Json | undefined): string | undefined {
  return json0TextList(value)[0];
}

function json0TextList(value: Json | undefined): string[] {
  if (!Array.isArray(value)) return textList(value);
  return value
    .map((item) => (isObject(item) ? text(item.value) : text(item)))
    .filter((v): v is string => v !== undefined);
}
