//! A table of the Files tool in its scrolling region: column headers (`data-col` key, label) and
//! the body rows as children.

use leptos::prelude::*;

#[component]
pub fn ScrollTable(label: &'static str, columns: Vec<(&'static str, &'static str)>, children: Children) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=label>
            <table>
                <thead>
                    <tr>
                        {columns
                            .into_iter()
                            .map(|(key, text)| view! { <th scope="col" data-col=key>{text}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
