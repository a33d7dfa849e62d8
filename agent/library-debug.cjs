// Stands in for the `debug` package inside the agent's bundle (see bundle-cli.mjs). mqtt.js and mqtt-packet call
// debug() several times per MQTT packet; even when off, debug's `(...args)` allocates an array per call, about a
// quarter of all the agent allocated per reading over MQTT. Here, unless DEBUG is set when the agent starts, every
// logger is one shared function that does nothing; with DEBUG set, the real package runs as before.
'use strict';

if (process.env.DEBUG) {
  module.exports = require('debug');
} else {
  function off() {}
  off.enabled = false;
  off.namespace = '';
  off.extend = () => off;
  off.destroy = () => true;
  off.log = off;

  function createDebug() {
    return off;
  }
  createDebug.enable = () => {};
  createDebug.disable = () => '';
  createDebug.enabled = () => false;
  createDebug.debug = createDebug;
  createDebug.default = createDebug;
  module.exports = createDebug;
}
