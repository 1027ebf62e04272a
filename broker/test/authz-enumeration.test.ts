/**
 * The bundled broker does not enumerate device ids (issue 12): a wrong password for a device that
 * exists and any password for an id that does not both get "bad user name or password" (CONNACK
 * 0x04 on 3.1.1, 0x86 on 5.0), with the verifier in process and over HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectCode, startAuthz } from './authz-helpers.js';

for (const wiring of ['in-process', 'http'] as const) {
  test(`${wiring}: a wrong password and an unknown device id get the same CONNACK (0x04 / 0x86)`, async (t) => {
    const h = await startAuthz(t, { wiring });
    await h.device('real-device');
    for (const [protocolVersion, expected] of [[4, 0x04], [5, 0x86]] as const) {
      for (const username of ['real-device', 'no-such-device']) {
        const { code } = await connectCode(t, h.url, { protocolVersion, clientId: username, username, password: 'not-the-password-1' });
        assert.equal(code, expected, `${username} over MQTT ${protocolVersion === 5 ? '5.0' : '3.1.1'}`);
      }
    }
  });
}
