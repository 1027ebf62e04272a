// The 5.0 property rules mqtt-packet leaves to us: a property its packet lacks is malformed (§2.2.2.2);
// one repeated (User Property aside), or Authentication Data without a method (§3.1.2.11.10), is a Protocol Error.
import type { Packet } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from './errors.js';

const ACK = new Set(['reasonString', 'userProperties']);

/** What a client may put in each packet it sends (5.0 §2.2.2.2, table 2-4). */
const ALLOWED: Partial<Record<Packet['cmd'], ReadonlySet<string>>> = {
  connect: new Set([
    'sessionExpiryInterval',
    'receiveMaximum',
    'maximumPacketSize',
    'topicAliasMaximum',
    'requestResponseInformation',
    'requestProblemInformation',
    'userProperties',
    'authenticationMethod',
    'authenticationData',
  ]),
  publish: new Set([
    'payloadFormatIndicator',
    'messageExpiryInterval',
    'topicAlias',
    'responseTopic',
    'correlationData',
    'userProperties',
    'subscriptionIdentifier',
    'contentType',
  ]),
  puback: ACK,
  pubrec: ACK,
  pubrel: ACK,
  pubcomp: ACK,
  subscribe: new Set(['subscriptionIdentifier', 'userProperties']),
  unsubscribe: new Set(['userProperties']),
  disconnect: new Set(['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference']),
  auth: new Set(['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties']),
};

/** The Will Properties of a CONNECT (5.0 §3.1.3.2). */
const WILL = new Set(['willDelayInterval', 'payloadFormatIndicator', 'messageExpiryInterval', 'contentType', 'responseTopic', 'correlationData', 'userProperties']);

type Properties = Record<string, unknown>;

export function checkProperties(packet: Packet): void {
  const properties = (packet as { properties?: Properties }).properties;
  if (properties !== undefined) checkList(properties, ALLOWED[packet.cmd], packet.cmd);
  const will = (packet as { will?: { properties?: Properties } }).will?.properties;
  if (will !== undefined) checkList(will, WILL, 'will');
}

function checkList(properties: Properties, allowed: ReadonlySet<string> | undefined, where: string): void {
  for (const name in properties) {
    if (allowed?.has(name) !== true) throw new MalformedPacketError(`property ${name} in ${where}`);
    if (name !== 'userProperties' && Array.isArray(properties[name])) throw new ProtocolError(`property ${name} repeated`);
  }
  if (properties.authenticationData !== undefined && properties.authenticationMethod === undefined) {
    throw new ProtocolError('authentication data without an authentication method');
  }
}
