// npm postinstall: unpacks verovio's embedded WebAssembly into node_modules/.cache/folkbot so that the first
// score picture starts fast (see src/render/verovio-loader.mjs). Never fails the install: without the cache
// verovio starts from its own module, about 0.8 s slower, and the first picture writes the cache instead.
try {
  const { prepareVerovioCache } = await import('../src/render/verovio-loader.mjs');
  console.log(`folkbot: ${await prepareVerovioCache()}`);
} catch (error) {
  console.log(`folkbot: verovio left packed (${error instanceof Error ? error.message : String(error)}); scores still render, only start slower`);
}
