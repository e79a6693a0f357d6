//! The browser glue (src/browser/) in a real browser: localStorage, the URL fragment, the
//! debouncer.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use quantscope_app::form::FormState;
use quantscope_web::browser::{fragment, storage, timer::Debouncer};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn storage_round_trips_a_form() {
    clean_slate();
    let mut form = FormState::examples();
    form.tensor.data = "1 2 3; 4 5 6".into();
    storage::save("test.form", &form).unwrap();
    assert_eq!(storage::load::<FormState>("test.form"), storage::Loaded::Found(form));
    storage::remove("test.form");
    assert_eq!(storage::load::<FormState>("test.form"), storage::Loaded::Missing);
}

#[wasm_bindgen_test]
fn unreadable_storage_is_reported_with_its_raw_text() {
    clean_slate();
    storage::save_raw("test.bad", "{not json").unwrap();
    match storage::load::<FormState>("test.bad") {
        storage::Loaded::Unreadable { raw, error } => {
            assert_eq!(raw, "{not json");
            assert!(!error.is_empty());
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn fragment_set_fires_change_and_replace_does_not() {
    clean_slate();
    let seen = Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let handle = fragment::on_change({
        let seen = seen.clone();
        move |slug| seen.borrow_mut().push(slug)
    });
    fragment::set("tensor");
    assert_eq!(fragment::current(), "tensor");
    sleep(20).await;
    fragment::replace("values");
    assert_eq!(fragment::current(), "values");
    sleep(20).await;
    handle.remove();
    assert_eq!(*seen.borrow(), vec!["tensor".to_string()]);
    // Setting the fragment it already has is a no-op (no history entry, no event).
    fragment::set("values");
    assert_eq!(fragment::current(), "values");
}

#[wasm_bindgen_test]
async fn debouncer_runs_once_after_a_burst() {
    let owner = Owner::new();
    owner.set();
    let runs = Rc::new(Cell::new(0));
    let debouncer = Debouncer::new(Duration::from_millis(40));
    for _ in 0..5 {
        let runs = runs.clone();
        debouncer.schedule(move || runs.set(runs.get() + 1));
        sleep(5).await;
    }
    assert!(debouncer.is_pending());
    assert_eq!(runs.get(), 0, "nothing runs during the burst");
    sleep(80).await;
    assert_eq!(runs.get(), 1, "one run after the burst");
    assert!(!debouncer.is_pending());
}

#[wasm_bindgen_test]
async fn debouncer_cancel_drops_the_pending_run() {
    let owner = Owner::new();
    owner.set();
    let runs = Rc::new(Cell::new(0));
    let debouncer = Debouncer::new(Duration::from_millis(20));
    let counter = runs.clone();
    debouncer.schedule(move || counter.set(counter.get() + 1));
    assert!(debouncer.cancel());
    assert!(!debouncer.cancel(), "nothing left to cancel");
    sleep(50).await;
    assert_eq!(runs.get(), 0);
}

#[wasm_bindgen_test]
async fn dropping_the_owner_cancels_the_pending_run() {
    let owner = Owner::new();
    owner.set();
    let runs = Rc::new(Cell::new(0));
    let debouncer = Debouncer::new(Duration::from_millis(20));
    let counter = runs.clone();
    debouncer.schedule(move || counter.set(counter.get() + 1));
    owner.cleanup();
    sleep(50).await;
    assert_eq!(runs.get(), 0);
}
