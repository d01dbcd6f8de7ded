// Google's Cloud Storage emulator (firebase-tools, pinned in
// package-lock.json) without the Firebase rules runtime: the GCS JSON API
// routes never consult it, and starting it would download a 52 MB jar.
// Usage: t/gcs-emulator/install prints DIR and NODE (the pinned Node.js);
// ZT_GCS_EMU_DIR=DIR PORT=N NODE gcs-emu.js
// Stop with SIGTERM.  Depends on firebase-tools internals: keep the pin.
'use strict';
if (Number(process.versions.node.split('.')[0]) < 20) {
    console.error(`gcs-emu.js: node ${process.version} is too old: ` +
                  'the emulator needs Node.js >= 20 (see t/gcs-emulator/install)');
    process.exit(1);
}
const path = require('path');
const dir = process.env.ZT_GCS_EMU_DIR || __dirname;
const base = path.join(dir, 'node_modules/firebase-tools/lib/emulator');
const { StorageRulesRuntime } = require(base + '/storage/rules/runtime');
StorageRulesRuntime.prototype.start = async () => {};
StorageRulesRuntime.prototype.stop = async () => {};
const { StorageEmulator } = require(base + '/storage');
const { EmulatorRegistry } = require(base + '/registry');
const port = Number(process.env.PORT || 19199);
const emu = new StorageEmulator({ projectId: 'demo-test', host: '127.0.0.1',
                                  port, rules: [], auto_download: false });
EmulatorRegistry.start(emu).then(
    () => console.log(`gcs emulator ready on 127.0.0.1:${port} (node ${process.version})`),
    (e) => { console.error(e); process.exit(1); });
for (const s of ['SIGTERM', 'SIGINT']) {
    process.on(s, async () => { await EmulatorRegistry.stopAll(); process.exit(0); });
}
