//! The tool tabs: links to `#channels`, `#tensor`, `#values`, `#files` with the WAI-ARIA tabs
//! pattern (arrow keys, Home and End move between tabs; only the open tab is in the Tab order), in
//! a navigation landmark (`e2e/accessibility.test.mjs` checks both).

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

use crate::state::use_app_state;
use quantscope_app::form::Tool;

pub fn tab_id(tool: Tool) -> String {
    format!("tab-{}", tool.slug())
}

pub fn panel_id(tool: Tool) -> String {
    format!("panel-{}", tool.slug())
}

fn focus_tab(tool: Tool) {
    if let Some(element) = document().get_element_by_id(&tab_id(tool)) {
        use wasm_bindgen::JsCast;
        if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
            let _ = element.focus();
        }
    }
}

#[component]
pub fn TabBar() -> impl IntoView {
    let state = use_app_state();
    let on_keydown = move |ev: KeyboardEvent| {
        let current = state.tool.get_untracked();
        let target = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => current.next(),
            "ArrowLeft" | "ArrowUp" => current.previous(),
            "Home" => Tool::ALL[0],
            "End" => Tool::ALL[Tool::ALL.len() - 1],
            _ => return,
        };
        ev.prevent_default();
        state.open(target);
        focus_tab(target);
    };
    view! {
        // The tab list in a navigation landmark: a tablist is not a landmark itself, and content
        // outside every landmark is lost to landmark navigation (axe's `region`).
        <nav class="tools-nav" aria-label="Tools">
            <div class="tabs" role="tablist" aria-label="Tools" data-testid="tabs" on:keydown=on_keydown>
            {Tool::ALL
                .into_iter()
                .map(|tool| {
                    let selected = move || state.tool.get() == tool;
                    view! {
                        <a
                            role="tab"
                            class="tab"
                            class:tab-active=selected
                            id=tab_id(tool)
                            href=format!("#{}", tool.slug())
                            aria-controls=panel_id(tool)
                            aria-selected=move || selected().to_string()
                            tabindex=move || if selected() { "0" } else { "-1" }
                            data-testid=tab_id(tool)
                            on:click=move |_| state.tool.set(tool)
                        >
                            {tool.title()}
                        </a>
                    }
                })
                .collect_view()}
            </div>
        </nav>
    }
}
