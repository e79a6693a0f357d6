//! Helpers shared by the browser tests.
#![allow(dead_code)]

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, HtmlElement, Window};

pub fn win() -> Window {
    web_sys::window().expect("a window")
}

pub fn doc() -> Document {
    win().document().expect("a document")
}

/// Waits `ms` milliseconds of real time (timers, debounce, effects all get to run).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        win().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).expect("setTimeout");
    });
    JsFuture::from(promise).await.expect("sleep");
}

/// Lets queued effects and renders run.
pub async fn tick() {
    sleep(0).await;
    sleep(0).await;
}

/// Waits (polling each 10 ms, 3 s at most) until `done` holds: for what the page draws over
/// several frames (`browser::frames`). Panics with `what` if it never does.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        sleep(10).await;
    }
    panic!("never happened: {what}");
}

/// A fresh, attached container for one test's view.
pub fn container() -> HtmlElement {
    let element: HtmlElement = doc().create_element("div").unwrap().unchecked_into();
    doc().body().unwrap().append_child(&element).unwrap();
    element
}

/// Forgets everything a previous test left: saved form, fragment.
pub fn clean_slate() {
    win().local_storage().unwrap().unwrap().clear().unwrap();
    let history = win().history().unwrap();
    history.replace_state_with_url(&JsValue::NULL, "", Some("#")).unwrap();
}

pub fn by_testid(root: &Element, id: &str) -> Option<Element> {
    root.query_selector(&format!("[data-testid=\"{id}\"]")).unwrap()
}

pub fn get(root: &Element, id: &str) -> Element {
    by_testid(root, id).unwrap_or_else(|| panic!("no element with data-testid={id}"))
}

pub fn text(root: &Element, id: &str) -> String {
    get(root, id).text_content().unwrap_or_default()
}

pub fn click(element: &Element) {
    element.unchecked_ref::<HtmlElement>().click();
}

/// Types into an input or text area as a user would: sets the value, fires `input`.
pub fn type_into(element: &Element, value: &str) {
    if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(value);
    } else {
        element.unchecked_ref::<web_sys::HtmlInputElement>().set_value(value);
    }
    let event = web_sys::Event::new_with_event_init_dict("input", &{
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        init
    })
    .unwrap();
    element.dispatch_event(&event).unwrap();
}

/// Chooses an option of a select, firing `change`.
pub fn select(element: &Element, value: &str) {
    element.unchecked_ref::<web_sys::HtmlSelectElement>().set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    element.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap()).unwrap();
}

/// Presses a key on an element (keydown, bubbling, cancelable).
pub fn key(element: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    element.dispatch_event(&event).unwrap();
}

pub fn value(element: &Element) -> String {
    if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.value()
    } else if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        element.unchecked_ref::<web_sys::HtmlInputElement>().value()
    }
}

pub fn stored_form() -> Option<String> {
    win().local_storage().unwrap().unwrap().get_item(quantscope_web::state::STORAGE_KEY).unwrap()
}
