// MQTT.js over WebSocket, as a web app would use it: subscribes to
// <prefix>/to-js, says "ready", publishes to <prefix>/from-js, then prints
// the first message it receives as one JSON line and exits 0. Exits 1 on any
// error or after 10 s. Usage: node ws_roundtrip.mjs URL PREFIX VERSION(4|5) [CA_FILE]
// URL may be ws://, wss:// or mqtts://; CA_FILE is the PEM that the server's
// certificate must chain to (verified, as a deployed app would).
import fs from 'node:fs';
import mqtt from 'mqtt';

const [url, prefix, version, caFile] = process.argv.slice(2);
const fail = (why) => {
  console.error(`ws_roundtrip ${url}: ${why}`);
  process.exit(1);
};
setTimeout(() => fail('timed out'), 10000).unref();

const client = mqtt.connect(url, {
  protocolVersion: Number(version),
  clientId: `mqttjs-${version}-${process.pid}`,
  reconnectPeriod: 0,
  connectTimeout: 5000,
  ...(caFile ? { ca: fs.readFileSync(caFile), rejectUnauthorized: true } : {}),
});
client.on('error', (e) => fail(e.message));
client.on('connect', () => {
  client.subscribe(`${prefix}/to-js`, { qos: 1 }, (err, granted) => {
    if (err) fail(err.message);
    console.log(`ready granted=${granted[0].qos}`);
    const props = Number(version) === 5 ? { userProperties: { via: 'mqtt.js' }, contentType: 'text/plain' } : {};
    client.publish(`${prefix}/from-js`, 'hello from mqtt.js', { qos: 1, properties: props }, (e) => {
      if (e) fail(e.message);
    });
  });
});
client.on('message', (topic, payload, packet) => {
  console.log(JSON.stringify({ topic, payload: payload.toString(), qos: packet.qos }));
  client.end(false, () => process.exit(0));
});
