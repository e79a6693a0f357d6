// Loads the app. A static file, not an inline script, so the page's Content-Security-Policy can
// forbid inline scripts; Trunk writes the hashed file names into this tag's data attributes.
const tag = document.querySelector('script[data-js][data-wasm]');
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
