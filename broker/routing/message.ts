// Immutable once routed and shared by every subscriber; encoded forms are cached, so a fan-out serialises
// each variant once.
import type { IPublishPacket } from 'mqtt-packet';

/** The 5.0 PUBLISH properties a broker forwards unchanged [MQTT-3.3.2-17..20, MQTT-3.3.2-4]. */
export interface ForwardedProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: NonNullable<IPublishPacket['properties']>['userProperties'];
}

export interface Message {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly properties?: ForwardedProperties;
  /** When the Message Expiry Interval runs out (ms since epoch); undefined = never. */
  readonly expiresAt?: number;
  /** Client id of the publisher, for No Local; undefined for the broker's own messages. */
  readonly origin?: string;
  /** Whose retained budget it counts against (`budgetOwnerOf`); undefined: the origin's. */
  readonly owner?: string;
  /** Encoded forms (see `outgoing.ts`): the first variant in plain fields, so most messages need no array. */
  encodedVariant?: number;
  encodedFrame?: Buffer;
  otherVariants?: Array<Buffer | undefined>;
}

/** Picks the forwardable properties out of a PUBLISH's property bag (drops alias, subscription ids...). */
export function forwardedProperties(props: IPublishPacket['properties']): ForwardedProperties | undefined {
  if (props === undefined) return undefined;
  const out: ForwardedProperties = {};
  if (props.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = props.payloadFormatIndicator;
  if (props.contentType !== undefined) out.contentType = props.contentType;
  if (props.responseTopic !== undefined) out.responseTopic = props.responseTopic;
  if (props.correlationData !== undefined) out.correlationData = props.correlationData;
  if (props.userProperties !== undefined) out.userProperties = props.userProperties;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Has the message outlived its Message Expiry Interval [MQTT-3.3.2-5]? */
export function isExpired(message: Message, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
}

/** What keeping a message costs against the byte budgets: its parts plus the objects around it (~300 bytes measured). */
export const MESSAGE_OVERHEAD_BYTES = 320;

export function messageBytes(message: Message): number {
  const props = message.properties;
  let bytes = message.payload.length + message.topic.length * 2 + MESSAGE_OVERHEAD_BYTES;
  if (props === undefined) return bytes;
  bytes += ((props.contentType?.length ?? 0) + (props.responseTopic?.length ?? 0)) * 2 + (props.correlationData?.length ?? 0);
  const user = props.userProperties;
  if (user !== undefined) {
    for (const [key, value] of Object.entries(user)) bytes += (key.length + String(value).length) * 2 + 64;
  }
  return bytes;
}
