//! A progress bar on standard error for long commands; silent when stderr is not a
//! terminal (indicatif hides itself), so logs and CI output stay clean.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

pub fn start(total: u64, unit: &str) {
    if super::output::quiet() {
        return;
    }
    let bar = ProgressBar::new(total);
    let template =
        format!("{{bar:40}} {{pos}}/{{len}} {unit}, {{elapsed}} elapsed, about {{eta}} left");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    if let Ok(mut slot) = BAR.lock() {
        *slot = Some(bar);
    }
}

pub fn tick() {
    if let Ok(slot) = BAR.lock()
        && let Some(bar) = slot.as_ref()
    {
        bar.inc(1);
    }
}

pub fn finish() {
    if let Ok(mut slot) = BAR.lock()
        && let Some(bar) = slot.take()
    {
        bar.finish_and_clear();
    }
}
