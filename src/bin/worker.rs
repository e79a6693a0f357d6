//! The Files tool's Web Worker (a second wasm entry point, built by Trunk: see index.html and
//! `quantscope_web::worker`).

fn main() {
    console_error_panic_hook::set_once();
    quantscope_web::worker::serve::start();
}
